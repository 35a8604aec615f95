"""The graph model of one deployed stack, built by pure functions from what the engine answered.

A container's interface is matched to its engine network by MAC address (docker inspect gives each
endpoint's MAC and IP; sysfs inside the container gives each interface's name, ifindex and iflink), and to
its host-side veth by interface index: the container's `eth0@if7` is the host's ifindex 7, which shows
`vethXXXX@if6` back (`ip link` on both sides).

Swarm (not built yet): `build_topology` makes one Host, the engine's. A Swarm stack would read every node's
engine, build one Host per node with `build_host`, and add the overlay networks as a new kind of edge-less
spanning object on Topology (e.g. `overlays: Tuple[Overlay, ...]`, an Overlay naming the hosts it spans);
render.py already draws each Host as a box of its own. Overlay networks met today are left out with a note.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .answers import BRIDGE_NAME_OPTION, EngineAnswers, parse_interfaces
from .redis_roles import RedisRole, replications_of, roles_from_cluster_nodes

DEFAULT_BRIDGE_NETWORK = "bridge"  # the engine's name for docker0's network
# The network modes with no interface of their own: `none` (only lo), `host` (the host's), `container:<id>`
# (that container's). The engine lists `none` and `host` as networks (drivers null and host) with an empty
# endpoint; the picture says the mode in the container's box instead.
MODE_DRIVERS = ("null", "host")
CONTAINER_MODE = "container:"
SHORT_ID = 12  # the length of the ids docker prints, and of the br-<id> bridge names


@dataclass(frozen=True)
class HostVeth:
    """The host's end of a veth pair, plugged into a bridge."""

    name: str
    ifindex: int
    peer_ifindex: Optional[int]  # the container-side ifindex, as `ip link` shows it after @if
    bridge: Optional[str]

    @property
    def ip_link_name(self) -> str:
        return f"{self.ifindex}: {self.name}" + (f"@if{self.peer_ifindex}" if self.peer_ifindex else "")


@dataclass(frozen=True)
class Interface:
    """A container's interface on one network. The kernel-side fields are None when the container could
    not be asked (not running, or the exec failed)."""

    network: str
    ip: str
    prefix_len: int
    mac: str
    name: Optional[str] = None
    ifindex: Optional[int] = None
    peer_ifindex: Optional[int] = None  # the host-side veth's ifindex
    host_veth: Optional[HostVeth] = None

    @property
    def address(self) -> str:
        return f"{self.ip}/{self.prefix_len}" if self.ip else "(no IPv4 address)"

    @property
    def ip_link_name(self) -> str:
        if self.name is None:
            return f"(interface on {self.network})"
        return f"{self.ifindex}: {self.name}" + (f"@if{self.peer_ifindex}" if self.peer_ifindex else "")


@dataclass(frozen=True)
class PublishedPort:
    host_ip: str
    host_port: int
    container_port: int
    protocol: str

    def __str__(self) -> str:
        return f"{self.host_ip or '0.0.0.0'}:{self.host_port} -> {self.container_port}/{self.protocol}"


@dataclass(frozen=True)
class Container:
    name: str
    id: str
    image: str
    status: str
    interfaces: Tuple[Interface, ...]
    ports: Tuple[PublishedPort, ...]
    role: Optional[RedisRole] = None
    # `none`, `host` or `container`: a mode without interfaces of its own (network_mode_kind); "" otherwise.
    mode: str = ""
    shares_with: Optional[str] = None  # mode `container`: the container whose namespace it is in (its name)

    @property
    def short_id(self) -> str:
        return self.id[:SHORT_ID]


@dataclass(frozen=True)
class Bridge:
    """A bridge network and its Linux bridge on the host (docker0, br-<id>)."""

    network: str
    network_id: str
    device: str
    subnet: str
    gateway: str


@dataclass(frozen=True)
class HostsLink:
    """A hosts entry in `source` that names `target`: what `--link` wrote, one way only."""

    source: str
    target: str
    entry: str


@dataclass(frozen=True)
class Replication:
    replica: str
    master: str


@dataclass(frozen=True)
class SharedNamespace:
    """`--net container:<target>`: `source` is in `target`'s network namespace, with its interfaces."""

    source: str
    target: str


@dataclass(frozen=True)
class Host:
    name: str
    engine: str
    version: str
    local: bool
    bridges: Tuple[Bridge, ...]
    containers: Tuple[Container, ...]
    host_detail_missing: Optional[str] = None  # why the host-side veths are not drawn; None when they are


@dataclass(frozen=True)
class Topology:
    stack: str
    name_prefix: str
    hosts: Tuple[Host, ...]
    links: Tuple[HostsLink, ...]
    replications: Tuple[Replication, ...]
    notes: Tuple[str, ...]
    namespaces: Tuple[SharedNamespace, ...] = ()

    @property
    def containers(self) -> Tuple[Container, ...]:
        return tuple(c for host in self.hosts for c in host.containers)

    @property
    def bridges(self) -> Tuple[Bridge, ...]:
        return tuple(b for host in self.hosts for b in host.bridges)


def container_name(facts: Mapping[str, Any]) -> str:
    return str(facts.get("Name", "")).lstrip("/")


def bridge_device(network: Mapping[str, Any]) -> str:
    """docker0 for the default bridge (its name option), br-<short id> for a user-defined one."""
    named = (network.get("Options") or {}).get(BRIDGE_NAME_OPTION)
    return named or f"br-{str(network.get('Id', ''))[:SHORT_ID]}"


def endpoint_gateways(containers: Sequence[Mapping[str, Any]]) -> Dict[str, str]:
    """Network id -> the gateway its containers were given. The default bridge's IPAM often names none
    (the engine takes docker0's own address), while every endpoint on it knows it."""
    endpoints = [
        endpoint
        for facts in containers
        for endpoint in ((facts.get("NetworkSettings") or {}).get("Networks") or {}).values()
    ]
    return {e["NetworkID"]: e["Gateway"] for e in endpoints if e.get("NetworkID") and e.get("Gateway")}


def bridges_of(
    networks: Sequence[Mapping[str, Any]], gateways: Mapping[str, str]
) -> Tuple[Tuple[Bridge, ...], Tuple[str, ...]]:
    """The bridge networks as Bridges; a note for every other driver, which the picture does not draw yet.
    `gateways` (endpoint_gateways) fills a gateway the network's IPAM does not name."""
    bridges, notes = [], []
    for network in sorted(networks, key=lambda n: (n.get("Name") != DEFAULT_BRIDGE_NETWORK, n.get("Name", ""))):
        if network.get("Driver") in MODE_DRIVERS:
            continue
        if network.get("Driver") != "bridge":
            notes.append(
                f"network {network.get('Name')} (driver {network.get('Driver')}) is not drawn: "
                "the picture draws bridge networks only"
            )
            continue
        ipam = (network.get("IPAM") or {}).get("Config") or [{}]
        ipv4 = next((entry for entry in ipam if ":" not in (entry.get("Subnet") or "")), ipam[0])
        bridges.append(
            Bridge(
                network=network.get("Name", ""),
                network_id=network.get("Id", ""),
                device=bridge_device(network),
                subnet=ipv4.get("Subnet") or "",
                gateway=ipv4.get("Gateway") or gateways.get(network.get("Id", ""), ""),
            )
        )
    return tuple(bridges), tuple(notes)


def published_ports(ports: Optional[Mapping[str, Any]]) -> Tuple[PublishedPort, ...]:
    """`NetworkSettings.Ports` ({"8080/tcp": [{"HostIp": ..., "HostPort": ...}], "16379/tcp": None})."""
    found = []
    for container_port, bindings in (ports or {}).items():
        port, _, protocol = container_port.partition("/")
        for binding in bindings or []:
            found.append(
                PublishedPort(
                    host_ip=binding.get("HostIp", ""),
                    host_port=int(binding["HostPort"]),
                    container_port=int(port),
                    protocol=protocol or "tcp",
                )
            )
    # IPv6 duplicates of an IPv4 binding say nothing new in a picture.
    seen, unique = set(), []
    for p in sorted(found, key=lambda p: (p.container_port, ":" in p.host_ip, p.host_ip)):
        if (p.container_port, p.host_port, p.protocol) not in seen:
            seen.add((p.container_port, p.host_port, p.protocol))
            unique.append(p)
    return tuple(unique)


def host_veths(host_links: Optional[Sequence[Mapping[str, Any]]]) -> Dict[int, HostVeth]:
    """The host's interfaces plugged into a bridge, by ifindex."""
    return {
        link["ifindex"]: HostVeth(
            name=link["ifname"], ifindex=link["ifindex"], peer_ifindex=link.get("link_index"), bridge=link.get("master")
        )
        for link in host_links or []
        if link.get("master")
    }


def host_detail_missing(answers: EngineAnswers, bridges: Sequence[Bridge]) -> Optional[str]:
    """Why the host side (veths on the bridges) cannot be drawn; None when it can."""
    if not answers.engine.local:
        return (
            f"host-side detail not available: the engine at {answers.engine.address} is on another machine, "
            "whose veths and bridges cannot be read from here"
        )
    if answers.host_links is None:
        return "host-side detail not available: this machine's interfaces could not be read (`ip -j addr`)"
    devices = {link.get("ifname") for link in answers.host_links}
    if bridges and not any(bridge.device in devices for bridge in bridges):
        return (
            "host-side detail not available: the engine's bridges are not in this machine's network namespace "
            "(an engine in a VM, such as Docker Desktop's, or a rootless one)"
        )
    return None


def interfaces_of(
    facts: Mapping[str, Any], listing: Optional[str], veths: Mapping[int, HostVeth]
) -> Tuple[Interface, ...]:
    """One Interface per network the container is on, named and paired where the kernel told us."""
    by_mac = {entry.mac: entry for entry in parse_interfaces(listing or "")}
    interfaces = []
    for network, endpoint in sorted(((facts.get("NetworkSettings") or {}).get("Networks") or {}).items()):
        mac = (endpoint.get("MacAddress") or "").lower()
        entry = by_mac.get(mac) if mac else None
        interfaces.append(
            Interface(
                network=network,
                ip=endpoint.get("IPAddress") or "",
                prefix_len=endpoint.get("IPPrefixLen") or 0,
                mac=mac,
                name=entry.name if entry else None,
                ifindex=entry.ifindex if entry else None,
                peer_ifindex=entry.iflink if entry else None,
                host_veth=veths.get(entry.iflink) if entry else None,
            )
        )
    return tuple(sorted(interfaces, key=lambda i: (i.name is None, i.name or "", i.network)))


def _extra_host(entry: str) -> Tuple[List[str], str]:
    """'name1 name2:ip' (as the engine stores --add-host; newer CLIs also send 'name=ip') -> names, ip."""
    names, sep, ip = entry.partition("=")
    if not sep:
        names, _, ip = entry.partition(":")
    return names.split(), ip


def hosts_links(containers: Sequence[Container], facts: Sequence[Mapping[str, Any]]) -> Tuple[HostsLink, ...]:
    """Hosts entries that name another container of the stack (--add-host the way this project writes a
    link, or a legacy engine --link); entries naming anything else are not the tutorial's story."""
    by_key: Dict[str, str] = {}
    for c in containers:
        by_key.update({c.name: c.name, c.short_id: c.name})
    links = []
    for source in facts:
        source_name = container_name(source)
        host_config = source.get("HostConfig") or {}
        for entry in host_config.get("ExtraHosts") or []:
            names, ip = _extra_host(entry)
            target = next((by_key[n] for n in names if n in by_key), None)
            if target and target != source_name:
                links.append(HostsLink(source_name, target, f"/etc/hosts: {ip} {' '.join(names)}"))
        for link in host_config.get("Links") or []:  # "/tomcat02:/tomcat03/tomcat02"
            target_path, _, alias_path = link.partition(":")
            target = target_path.lstrip("/")
            if target in by_key:
                links.append(HostsLink(source_name, by_key[target], f"--link {target}:{alias_path.rsplit('/', 1)[-1]}"))
    return tuple(sorted(set(links), key=lambda link: (link.source, link.target, link.entry)))


def network_mode_kind(network_mode: Optional[str]) -> str:
    """`none`, `host` or `container` for the modes without interfaces of their own; "" for a container on
    networks (`bridge`, a user-defined network's name), and for answers recorded before modes were read."""
    mode = network_mode or ""
    if mode.startswith(CONTAINER_MODE):
        return "container"
    return mode if mode in ("none", "host") else ""


def build_container(
    facts: Mapping[str, Any],
    answers: EngineAnswers,
    veths: Mapping[int, HostVeth],
    roles: Mapping[str, RedisRole],
    names_by_id: Mapping[str, str],
) -> Container:
    name = container_name(facts)
    state = facts.get("State") or {}
    image = str((facts.get("Config") or {}).get("Image", ""))
    network_mode = str((facts.get("HostConfig") or {}).get("NetworkMode") or "")
    mode = network_mode_kind(network_mode)
    joined = network_mode[len(CONTAINER_MODE) :] if mode == "container" else ""
    return Container(
        name=name,
        id=str(facts.get("Id", "")),
        image=answers.images.get(image, image),
        status=str(state.get("Status") or ("running" if state.get("Running") else "unknown")),
        interfaces=() if mode else interfaces_of(facts, answers.interfaces.get(name), veths),
        ports=published_ports((facts.get("NetworkSettings") or {}).get("Ports")),
        role=roles.get(name),
        mode=mode,
        shares_with=names_by_id.get(joined, joined[:SHORT_ID]) if joined else None,
    )


def build_host(answers: EngineAnswers, roles: Mapping[str, RedisRole]) -> Tuple[Host, Tuple[str, ...]]:
    """The engine's host with its bridges and containers; notes on what it leaves out."""
    bridges, notes = bridges_of(answers.networks, endpoint_gateways(answers.containers))
    missing = host_detail_missing(answers, bridges)
    veths = {} if missing else host_veths(answers.host_links)
    names_by_id = {str(f.get("Id", "")): container_name(f) for f in answers.containers}
    containers = tuple(
        sorted(
            (build_container(f, answers, veths, roles, names_by_id) for f in answers.containers), key=lambda c: c.name
        )
    )
    host = Host(
        name=answers.engine.host_name,
        engine=answers.engine.address,
        version=answers.engine.version,
        local=answers.engine.local,
        bridges=bridges,
        containers=containers,
        host_detail_missing=missing,
    )
    return host, notes


def build_topology(answers: EngineAnswers) -> Topology:
    roles = roles_from_cluster_nodes(answers.cluster_nodes)
    host, notes = build_host(answers, roles)
    names = {c.name for c in host.containers}
    return Topology(
        stack=answers.stack,
        name_prefix=answers.name_prefix,
        hosts=(host,),
        links=hosts_links(host.containers, answers.containers),
        replications=tuple(Replication(r, m) for r, m in replications_of(roles)),
        notes=answers.notes + notes,
        namespaces=tuple(SharedNamespace(c.name, c.shares_with) for c in host.containers if c.shares_with in names),
    )
