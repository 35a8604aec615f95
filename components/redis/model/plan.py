"""The cluster's plan: which node gets which address, host ports, role, master and hash slots.

Pure functions of the settings, tested directly. The plan is also what the formation provider
receives (as plain data through `ClusterPlan.to_props`), so what preview shows is what gets formed.
"""

import dataclasses
import ipaddress
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from components.errors import ConfigError
from components.network.addressing import default_gateway, host_addresses, parse_subnet
from components.redis.model.cluster_args import BUS_PORT, CLIENT_PORT, MAX_PORT, RedisClusterArgs

SLOT_COUNT = 16384
MASTER = "master"
REPLICA = "replica"
# Where the nodes run. All containers of a stack run on one engine, so by default every node has the
# same host and anti-affinity has nothing to choose between; the placement still honours it.
LOCAL_HOST = "local"

SlotRange = Tuple[int, int]  # inclusive, like CLUSTER SLOTS and `redis-cli --cluster`
# On a Swarm a node listens on the ports it publishes, inside its task, as a user that cannot bind these.
PRIVILEGED_PORTS = 1024


@dataclass(frozen=True)
class NodePlan:
    index: int  # 1-based, as in redis-1 ... redis-N
    name: str
    ip: str
    host_port: int  # published for 6379
    bus_host_port: int  # published for 16379
    role: str  # the role it is formed with; failovers may swap roles later
    master: Optional[str]  # the master a replica follows
    slots: Tuple[SlotRange, ...]  # a master's hash slots
    host: str = LOCAL_HOST
    # What the node announces with `ip`: the ports inside its container (on a Swarm, where it announces
    # its host's address, the published ones, which it then listens on itself).
    port: int = CLIENT_PORT
    bus_port: int = BUS_PORT

    @property
    def volume(self) -> str:
        """The name of the node's data volume (AOF, nodes.conf), on the engine and in Pulumi."""
        return f"{self.name}-data"


@dataclass(frozen=True)
class ClusterPlan:
    nodes: Tuple[NodePlan, ...]

    @property
    def masters(self) -> List[NodePlan]:
        return [n for n in self.nodes if n.role == MASTER]

    @property
    def replicas(self) -> List[NodePlan]:
        return [n for n in self.nodes if n.role == REPLICA]

    @property
    def replicas_per_master(self) -> int:
        return len(self.replicas) // len(self.masters)

    def node(self, name: str) -> NodePlan:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def topology(self) -> List[Dict[str, Any]]:
        """What the cluster is made of: changing any of it means forming the cluster anew."""
        return [
            {
                "name": n.name,
                "ip": n.ip,
                "port": n.port,
                "busPort": n.bus_port,
                "role": n.role,
                "master": n.master,
                "slots": [list(r) for r in n.slots],
            }
            for n in self.nodes
        ]

    def endpoints(self, host: str) -> Dict[str, Dict[str, Any]]:
        """How this machine reaches each node: the published client port."""
        return {n.name: {"host": host, "port": n.host_port} for n in self.nodes}

    def announced_endpoints(self) -> Dict[str, Dict[str, Any]]:
        """Each node where it announces itself (a Swarm node's address and the node's own port)."""
        return {n.name: {"host": n.ip, "port": n.port} for n in self.nodes}

    def summary(self) -> List[Dict[str, Any]]:
        """The plan as a stack output (visible in preview)."""
        return [
            {
                "name": n.name,
                "ip": n.ip,
                "hostPort": n.host_port,
                "busHostPort": n.bus_host_port,
                "role": n.role,
                "master": n.master,
                "slots": format_ranges(n.slots),
            }
            for n in self.nodes
        ]


def assign_slots(masters: int, slot_count: int = SLOT_COUNT) -> List[SlotRange]:
    """Contiguous, even ranges: each slot exactly once, sizes differing by at most one."""
    if masters < 1:
        raise ValueError("at least one master is needed")
    size, extra = divmod(slot_count, masters)
    ranges, start = [], 0
    for i in range(masters):
        end = start + size + (1 if i < extra else 0) - 1
        ranges.append((start, end))
        start = end + 1
    return ranges


def place_replicas(master_hosts: Sequence[str], replica_hosts: Sequence[str], per_master: int) -> List[int]:
    """For each replica (by position), the index of the master it follows.

    In rounds, one replica per master per round, so every master gets `per_master` replicas.
    Anti-affinity: each round is a maximum matching of masters to free replicas on a host that is
    neither the master's nor one of its replicas'; a master left without such a replica takes the
    first free one. With every node on one host this is plain round-robin: replica k -> master k mod M.
    """
    if len(replica_hosts) != len(master_hosts) * per_master:
        raise ValueError(f"{len(replica_hosts)} replicas cannot give {len(master_hosts)} masters {per_master} each")
    assignment: List[Optional[int]] = [None] * len(replica_hosts)
    used_hosts: List[set] = [{host} for host in master_hosts]
    for _round in range(per_master):
        free = [r for r, owner in enumerate(assignment) if owner is None]
        matched = _match_round(len(master_hosts), free, lambda m, r: replica_hosts[r] not in used_hosts[m])
        for m in range(len(master_hosts)):
            if m not in matched:
                matched[m] = next(r for r in free if r not in matched.values())
        for m, r in matched.items():
            assignment[r] = m
            used_hosts[m].add(replica_hosts[r])
    return [owner for owner in assignment if owner is not None]


def _match_round(masters: int, free: Sequence[int], allowed) -> Dict[int, int]:
    """A maximum matching master -> replica over allowed pairs (Kuhn's augmenting paths), in index order."""
    owner_of: Dict[int, int] = {}  # replica -> master

    def augment(m: int, seen: set) -> bool:
        for r in free:
            if allowed(m, r) and r not in seen:
                seen.add(r)
                if r not in owner_of or augment(owner_of[r], seen):
                    owner_of[r] = m
                    return True
        return False

    for m in range(masters):
        augment(m, set())
    return {m: r for r, m in owner_of.items()}


def plan_ports(args: RedisClusterArgs) -> List[Tuple[int, int]]:
    """(client, bus) host ports per node: base+1 ... base+N, checked for range and collisions."""
    count = args.node_count
    s = args.setting
    for key, base in (("basePort", args.base_port), ("busBasePort", args.bus_base_port)):
        if base < 1 or base + count > MAX_PORT:
            raise ConfigError(
                f"{s}.{key}",
                f"{base} + 1 ... {base} + {count} is outside 1-{MAX_PORT}",
                f"use a base between 1 and {MAX_PORT - count}",
            )
    clients = range(args.base_port + 1, args.base_port + count + 1)
    buses = range(args.bus_base_port + 1, args.bus_base_port + count + 1)
    clash = sorted(set(clients) & set(buses))
    if clash:
        raise ConfigError(
            f"{s}.busBasePort",
            f"host port {clash[0]} would be both a client port and a "
            f"cluster bus port (basePort {args.base_port}, busBasePort {args.bus_base_port})",
            "keep the two ranges apart, e.g. basePort 6370 and busBasePort 16370",
        )
    return list(zip(clients, buses))


def plan_addresses(args: RedisClusterArgs) -> List[ipaddress.IPv4Address]:
    """The tutorial's .11, .12, ... pattern: consecutive addresses from network + firstHostOffset."""
    s = args.setting
    subnet = parse_subnet(f"{s}.network.subnet", args.subnet)
    gateway = default_gateway(subnet)
    if args.first_host_offset < 1:
        raise ConfigError(
            f"{s}.firstHostOffset",
            f"{args.first_host_offset} is not a host offset",
            "use an offset of 2 or more (the tutorial's .11 is 11)",
        )
    addresses = host_addresses(subnet, args.first_host_offset, args.node_count, f"{s}.network.subnet")
    if gateway in addresses:
        raise ConfigError(
            f"{s}.firstHostOffset",
            f"the node addresses would include the gateway {gateway}",
            "use an offset of 2 or more",
        )
    return addresses


def plan_cluster(name: str, args: RedisClusterArgs, hosts: Optional[Sequence[str]] = None) -> ClusterPlan:
    """Nodes <name>-1 ... <name>-N: the first `masters` are masters, the rest their replicas."""
    addresses = plan_addresses(args)
    ports = plan_ports(args)
    hosts = list(hosts) if hosts is not None else [LOCAL_HOST] * args.node_count
    if len(hosts) != args.node_count:
        raise ValueError("one host per node is needed")
    names = [f"{name}-{i}" for i in range(1, args.node_count + 1)]
    slot_ranges = assign_slots(args.masters)
    owners = place_replicas(hosts[: args.masters], hosts[args.masters :], args.replicas_per_master)
    nodes = []
    for i, node_name in enumerate(names):
        is_master = i < args.masters
        nodes.append(
            NodePlan(
                index=i + 1,
                name=node_name,
                ip=str(addresses[i]),
                host_port=ports[i][0],
                bus_host_port=ports[i][1],
                role=MASTER if is_master else REPLICA,
                master=None if is_master else names[owners[i - args.masters]],
                slots=(slot_ranges[i],) if is_master else (),
                host=hosts[i],
            )
        )
    return ClusterPlan(nodes=tuple(nodes))


def node_hosts(args: RedisClusterArgs, hostnames: Sequence[str]) -> List[str]:
    """Per node (redis-1 ... redis-N) its Swarm node: masters round-robin, then replicas continuing it."""
    return [hostnames[i % len(hostnames)] for i in range(args.node_count)]


def plan_on_swarm(name: str, args: RedisClusterArgs, addresses: Mapping[str, str], setting: str) -> ClusterPlan:
    """The cluster's plan with each node on a Swarm node (`addresses`: hostname -> the address its nodes
    announce there), announcing that address and its own published ports; ConfigError naming `setting` (the
    nodes' setting) when a master would share a node with one of its replicas.

    Each node listens on its published ports inside its task (host-mode publishing, target = published): the
    address stays valid when Swarm restarts the task (same node, same port, same data volume), and it is
    reachable from the overlay and from any host that reaches the Swarm's nodes. Masters go round-robin over
    the nodes, then replicas, so that with as many nodes as copies of a slot no master shares a node with its
    own replica (place_replicas)."""
    hostnames = list(addresses)
    copies = 1 + args.replicas_per_master
    if len(hostnames) < copies:
        raise ConfigError(
            setting,
            f"{len(hostnames)} Swarm node(s) for {copies} copies of every slot (a master and "
            f"{args.replicas_per_master} replica(s)): a master would share a node with its own replica",
            f"run the cluster on at least {copies} Swarm nodes",
        )
    for key, base in (("basePort", args.base_port), ("busBasePort", args.bus_base_port)):
        if base + 1 < PRIVILEGED_PORTS:
            raise ConfigError(
                f"{args.setting}.{key}",
                f"{base + 1} is a privileged port, and a node listens on its published ports itself on a Swarm",
                f"use a base of {PRIVILEGED_PORTS} or more",
            )
    plan = plan_cluster(name, args, node_hosts(args, hostnames))
    for node in plan.replicas:
        if node.host == plan.node(node.master or "").host:
            raise ConfigError(
                setting,
                f"{node.name} would run on {node.host}, the node of its master {node.master}",
                "give the cluster more Swarm nodes, or fewer replicas per master",
            )
    return ClusterPlan(
        nodes=tuple(
            dataclasses.replace(node, ip=addresses[node.host], port=node.host_port, bus_port=node.bus_host_port)
            for node in plan.nodes
        )
    )


def format_ranges(ranges: Sequence[SlotRange]) -> List[str]:
    return [f"{a}-{b}" if a != b else str(a) for a, b in ranges]


def slots_of(ranges: Sequence[Sequence[int]]) -> List[int]:
    return [slot for start, end in ranges for slot in range(start, end + 1)]


def merge_ranges(slots: Sequence[int]) -> List[SlotRange]:
    """Sorted slots as inclusive ranges: [0, 1, 2, 5] -> [(0, 2), (5, 5)]."""
    ranges: List[SlotRange] = []
    for slot in sorted(set(slots)):
        if ranges and ranges[-1][1] == slot - 1:
            ranges[-1] = (ranges[-1][0], slot)
        else:
            ranges.append((slot, slot))
    return ranges


def topology_from_props(topology: Sequence[Mapping[str, Any]]) -> ClusterPlan:
    """The plan back from the plain data the formation provider keeps in its state."""
    return ClusterPlan(
        nodes=tuple(
            NodePlan(
                index=i + 1,
                name=n["name"],
                ip=n["ip"],
                host_port=0,
                bus_host_port=0,
                role=n["role"],
                master=n.get("master"),
                slots=tuple((int(a), int(b)) for a, b in n.get("slots") or ()),
                port=int(n.get("port") or CLIENT_PORT),
                bus_port=int(n.get("busPort") or BUS_PORT),
            )
            for i, n in enumerate(topology)
        )
    )
