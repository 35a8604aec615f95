"""What the engine, the containers and the host answered: the only input of the pure model builder.

engine.py fills it from the live engine; tests load it from JSON files recorded from real runs
(tests/unit/recorded/), and `python -m topology --save-answers` writes such a file. The answers are kept
close to their raw form (docker inspect trimmed to the fields the picture uses, command output as text or
parsed JSON), so a recorded file reads like what the engine said.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

# The network option that names a bridge network's Linux bridge (docker0); without it, br-<first 12 of the id>.
BRIDGE_NAME_OPTION = "com.docker.network.bridge.name"
# Run inside each container: one line per interface, `name ifindex iflink mac`, from sysfs. The same
# numbers `ip link` prints as `ifindex: name@if<iflink>`, with no need for iproute2 in the image (the public
# tomcat and redis images have none).
INTERFACES_SCRIPT = (
    "for d in /sys/class/net/*; do "
    'printf "%s %s %s %s\\n" "${d##*/}" "$(cat $d/ifindex)" "$(cat $d/iflink)" "$(cat $d/address)"; '
    "done"
)


@dataclass(frozen=True)
class EngineFacts:
    """The engine the answers came from."""

    address: str  # DOCKER_HOST, or the default socket
    local: bool  # on this machine: its host-side interfaces can be read here
    host_name: str  # `docker info` Name
    version: str  # `docker version` Version


@dataclass(frozen=True)
class LinkEntry:
    """One interface as `ip link` numbers it (from INTERFACES_SCRIPT inside a container)."""

    name: str
    ifindex: int
    iflink: int  # the peer's ifindex, in the host's namespace for a veth
    mac: str


@dataclass(frozen=True)
class EngineAnswers:
    stack: str
    name_prefix: str
    engine: EngineFacts
    containers: Tuple[Dict[str, Any], ...]  # trimmed `docker inspect` of each container
    networks: Tuple[Dict[str, Any], ...]  # trimmed `docker network inspect`
    interfaces: Dict[str, str] = field(default_factory=dict)  # container name -> INTERFACES_SCRIPT output
    host_links: Optional[List[Dict[str, Any]]] = None  # `ip -j addr` of the host; None: not readable here
    cluster_nodes: Dict[str, str] = field(default_factory=dict)  # container name -> CLUSTER NODES reply
    images: Dict[str, str] = field(default_factory=dict)  # image id -> its first tag (inspect gives the id)
    notes: Tuple[str, ...] = ()  # what could not be read, and why


def _pick(source: Mapping[str, Any], *keys: str) -> Dict[str, Any]:
    return {key: source.get(key) for key in keys}


def container_facts(inspect: Mapping[str, Any]) -> Dict[str, Any]:
    """The part of `docker inspect <container>` the picture uses."""
    settings = inspect.get("NetworkSettings") or {}
    host_config = inspect.get("HostConfig") or {}
    config = inspect.get("Config") or {}
    return {
        "Id": inspect.get("Id", ""),
        "Name": inspect.get("Name", ""),
        "Config": _pick(config, "Image", "Labels"),
        "State": _pick(inspect.get("State") or {}, "Status", "Running"),
        # NetworkMode only where the engine said it: answers recorded before it was read stay as they are.
        "HostConfig": {
            **_pick(host_config, "ExtraHosts", "Links"),
            **_pick(host_config, *(["NetworkMode"] if "NetworkMode" in host_config else [])),
        },
        "NetworkSettings": {
            "Ports": settings.get("Ports") or {},
            "Networks": {
                name: _pick(endpoint, "NetworkID", "IPAddress", "IPPrefixLen", "MacAddress", "Gateway")
                for name, endpoint in (settings.get("Networks") or {}).items()
            },
        },
    }


def network_facts(inspect: Mapping[str, Any]) -> Dict[str, Any]:
    """The part of `docker network inspect` the picture uses."""
    ipam = inspect.get("IPAM") or {}
    return {
        **_pick(inspect, "Id", "Name", "Driver", "Scope", "Labels"),
        "Options": {key: value for key, value in (inspect.get("Options") or {}).items() if key == BRIDGE_NAME_OPTION},
        "IPAM": {"Config": [_pick(entry, "Subnet", "Gateway") for entry in ipam.get("Config") or []]},
    }


def host_link_facts(ip_addr: Sequence[Mapping[str, Any]], bridges: Sequence[str]) -> List[Dict[str, Any]]:
    """The part of the host's `ip -j addr` the picture uses: the stack's bridges and the interfaces plugged
    into them (the host's other interfaces are none of the picture's business)."""
    keep = [link for link in ip_addr if link.get("ifname") in bridges or link.get("master") in bridges]
    return [
        {
            **_pick(link, "ifindex", "ifname", "link_index", "master", "address", "operstate"),
            "addr_info": [_pick(a, "family", "local", "prefixlen") for a in link.get("addr_info") or []],
        }
        for link in keep
    ]


def parse_interfaces(text: str) -> List[LinkEntry]:
    """INTERFACES_SCRIPT's output; lines that are not `name ifindex iflink mac` are skipped."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
            entries.append(LinkEntry(name=parts[0], ifindex=int(parts[1]), iflink=int(parts[2]), mac=parts[3].lower()))
    return entries


def save_answers(answers: EngineAnswers, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(answers), indent=1, sort_keys=True) + "\n")


def load_answers(path: Path) -> EngineAnswers:
    return answers_from_dict(json.loads(path.read_text()))


def answers_from_dict(data: Mapping[str, Any]) -> EngineAnswers:
    return EngineAnswers(
        stack=data["stack"],
        name_prefix=data.get("name_prefix", ""),
        engine=EngineFacts(**data["engine"]),
        containers=tuple(data["containers"]),
        networks=tuple(data["networks"]),
        interfaces=dict(data.get("interfaces") or {}),
        host_links=data.get("host_links"),
        cluster_nodes=dict(data.get("cluster_nodes") or {}),
        images=dict(data.get("images") or {}),
        notes=tuple(data.get("notes") or ()),
    )
