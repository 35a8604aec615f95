"""What the nodes of a live cluster say about it, and whether that is a healthy cluster of the planned shape.

Pure: parses `CLUSTER NODES` and `CLUSTER INFO` replies and judges them. The formation provider feeds it
what it reads from the nodes; the tests feed it text.
"""

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, TypedDict

from components.redis.model.plan import MASTER, REPLICA, SLOT_COUNT, SlotRange, merge_ranges


@dataclass(frozen=True)
class NodeEntry:
    """One line of CLUSTER NODES: how one node sees one node (itself included)."""

    node_id: str
    address: str  # ip:port as announced
    flags: FrozenSet[str]
    master_id: Optional[str]
    link_state: str
    slots: Tuple[SlotRange, ...]
    # When the reporting node last sent this one a ping still unanswered (ms since the epoch; 0: none is).
    ping_sent: int = 0
    # Slots half-way through a move (an interrupted reshard): (slot, peer id); only on a node's own line.
    migrating: Tuple[Tuple[int, str], ...] = ()
    importing: Tuple[Tuple[int, str], ...] = ()

    @property
    def ip(self) -> str:
        return self.address.rsplit(":", 1)[0]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    @property
    def failing(self) -> bool:
        return bool(self.flags & {"fail", "fail?", "handshake", "noaddr"})


def parse_cluster_nodes(text: str) -> List[NodeEntry]:
    """`<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`."""
    entries = []
    for line in text.strip().splitlines():
        parts = line.split()
        if len(parts) < 8:
            continue
        address = parts[1].split("@", 1)[0]
        slots: List[SlotRange] = []
        migrating: List[Tuple[int, str]] = []
        importing: List[Tuple[int, str]] = []
        for token in parts[8:]:
            if token.startswith("["):  # [slot->-peer] migrating to peer, [slot-<-peer] importing from it
                slot, arrow, peer = (
                    token.strip("[]").partition("->-") if "->-" in token else token.strip("[]").partition("-<-")
                )
                (migrating if arrow == "->-" else importing).append((int(slot), peer))
                continue
            start, _, end = token.partition("-")
            slots.append((int(start), int(end or start)))
        entries.append(
            NodeEntry(
                node_id=parts[0],
                address=address,
                flags=frozenset(parts[2].split(",")),
                master_id=None if parts[3] == "-" else parts[3],
                link_state=parts[7],
                ping_sent=int(parts[4]) if parts[4].isdigit() else 0,
                slots=tuple(slots),
                migrating=tuple(migrating),
                importing=tuple(importing),
            )
        )
    return entries


def parse_info(text: str) -> Dict[str, str]:
    """`key:value` lines of INFO / CLUSTER INFO."""
    info = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and not key.startswith("#"):
            info[key] = value
    return info


@dataclass(frozen=True)
class NodeObservation:
    """What one node answered, or why it did not."""

    name: str
    error: Optional[str] = None
    info: Mapping[str, str] = field(default_factory=dict)
    entries: Tuple[NodeEntry, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def myself(self) -> Optional[NodeEntry]:
        return next((e for e in self.entries if "myself" in e.flags), None)

    @property
    def is_blank(self) -> bool:
        """Knows only itself and serves no slots: a node never formed, or reset."""
        me = self.myself
        return self.reachable and len(self.entries) == 1 and me is not None and not me.slots


def slot_map(entries: Sequence[NodeEntry]) -> Dict[str, Tuple[SlotRange, ...]]:
    """Master node id -> the slots it serves, as one node sees it."""
    return {
        e.node_id: tuple(merge_ranges([s for a, b in e.slots for s in range(a, b + 1)]))
        for e in entries
        if e.is_master and e.slots
    }


def coverage_problems(owned: Mapping[str, Sequence[SlotRange]]) -> List[str]:
    counts = [0] * SLOT_COUNT
    for ranges in owned.values():
        for start, end in ranges:
            for slot in range(start, end + 1):
                counts[slot] += 1
    problems = []
    missing = merge_ranges([s for s, c in enumerate(counts) if c == 0])
    doubled = merge_ranges([s for s, c in enumerate(counts) if c > 1])
    if missing:
        problems.append(f"slots {_ranges_text(missing)} have no master")
    if doubled:
        problems.append(f"slots {_ranges_text(doubled)} have more than one master")
    return problems


def _ranges_text(ranges: Sequence[SlotRange]) -> str:
    text = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:5])
    return text + (", ..." if len(ranges) > 5 else "")


def health_problems(
    observations: Sequence[NodeObservation], masters: int, replicas_per_master: int, require_synced: bool = False
) -> List[str]:
    """Everything that keeps these nodes from being one healthy cluster of the planned shape.

    Shape, not roles: after a failover a former replica is a master, and that is healthy.
    `require_synced` also asks every replica's replication link to be up: what `up` waits for before it
    reports done; a replica still copying its master heals by itself, so it is not drift otherwise.
    An empty list means healthy.
    """
    problems = []
    for obs in observations:
        if not obs.reachable:
            problems.append(f"{obs.name}: not reachable ({obs.error})")
    reachable = [o for o in observations if o.reachable]
    if not reachable:
        return problems
    own_ids = {o.name: o.myself.node_id for o in reachable if o.myself}
    for obs in reachable:
        state = obs.info.get("cluster_state")
        if state != "ok":
            problems.append(f"{obs.name}: cluster_state:{state}")
        known = {e.node_id for e in obs.entries if not e.failing}
        unknown = sorted(name for name, node_id in own_ids.items() if node_id not in known)
        if unknown:
            problems.append(f"{obs.name}: does not know {', '.join(unknown)} as a healthy peer")
        link = obs.info.get("master_link_status")
        if require_synced and link is not None and link != "up":
            # Not synced yet: if its master failed now, this replica could not take over (Redis refuses a
            # failover to a replica whose data is too old), so the cluster is not healthy until it is.
            problems.append(f"{obs.name}: its replication link to its master is {link}")
        if len(obs.entries) != len(observations):
            problems.append(f"{obs.name}: knows {len(obs.entries)} nodes, {len(observations)} planned")
        me = obs.myself
        if me and (me.migrating or me.importing):
            moving = sorted(slot for slot, _peer in (*me.migrating, *me.importing))
            problems.append(f"{obs.name}: slots {_ranges_text(merge_ranges(moving))} are half-way through a move")
    maps = {o.name: slot_map(o.entries) for o in reachable}
    reference_name, reference = next(iter(maps.items()))
    for name, seen in maps.items():
        if seen != reference:
            problems.append(f"{name}: its slot map differs from {reference_name}'s")
    problems.extend(coverage_problems(reference))
    if len(reference) != masters:
        problems.append(f"{len(reference)} masters serve slots, {masters} planned")
    view = reachable[0].entries
    for master_id in reference:
        followers = [e for e in view if e.master_id == master_id and not e.failing]
        if len(followers) != replicas_per_master:
            problems.append(
                f"master {_name_of(master_id, own_ids)} has {len(followers)} working "
                f"replicas, {replicas_per_master} planned"
            )
    return problems


def _name_of(node_id: str, own_ids: Mapping[str, str]) -> str:
    for name, candidate in own_ids.items():
        if candidate == node_id:
            return name
    return node_id[:12]


class LiveRole(TypedDict):
    """One node's entry in `live_roles`, as the stack's outputs show it (hence the camelCase key)."""

    role: str  # master, replica, or unreachable
    master: Optional[str]  # a replica's master, by name
    slots: List[str]  # a master's slot ranges ("0-5460")
    nodeId: Optional[str]


def live_roles(observations: Sequence[NodeObservation]) -> Dict[str, LiveRole]:
    """name -> role, master (by name) and slot ranges, as the nodes themselves report now."""
    reachable = [o for o in observations if o.reachable and o.myself]
    own_ids = {o.name: o.myself.node_id for o in reachable}  # type: ignore[union-attr]
    view = {e.node_id: e for o in reachable for e in o.entries if "myself" in e.flags}
    roles: Dict[str, LiveRole] = {}
    for obs in observations:
        me = view.get(own_ids.get(obs.name, ""))
        if me is None:
            roles[obs.name] = {"role": "unreachable", "master": None, "slots": [], "nodeId": None}
            continue
        roles[obs.name] = {
            "role": MASTER if me.is_master else REPLICA,
            "master": _name_of(me.master_id, own_ids) if me.master_id else None,
            "slots": [f"{a}-{b}" if a != b else str(a) for a, b in me.slots],
            "nodeId": me.node_id,
        }
    return roles
