"""Planning a live cluster's change of shape: which nodes serve slots, which slots move, who follows whom.

Pure functions over node ids and slot ranges, tested directly. The formation provider reads the live
cluster, asks these what to do, and does it (MIGRATE, CLUSTER SETSLOT, CLUSTER REPLICATE).

The slot plan moves as few slots as possible: every master that stays keeps up to its share of what it
already serves, and only the surplus (plus everything a leaving master serves) moves, to the masters
short of their share. Shares are even: they differ by at most one slot.
"""

from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

from components.redis.model.plan import SLOT_COUNT, SlotRange, merge_ranges, slots_of


class ReshardingError(ValueError):
    """The live cluster cannot be brought to the planned shape by moving slots and replicas."""


@dataclass(frozen=True)
class SlotMove:
    source: str  # node id
    destination: str  # node id
    slots: Tuple[SlotRange, ...]

    @property
    def count(self) -> int:
        return sum(end - start + 1 for start, end in self.slots)


def choose_masters(slot_counts: Mapping[str, int], candidates: Sequence[str], wanted: int) -> List[str]:
    """The `wanted` nodes that serve slots after the change.

    Masters that serve slots now stay masters, the biggest first (fewest slots to move); when more are
    needed, slot-less masters are taken in the order given (the caller puts nodes planned as masters first).
    """
    holders = sorted(
        (node for node, count in slot_counts.items() if count > 0), key=lambda node: -slot_counts[node]
    )  # sorted() is stable: ties keep their order
    chosen = holders[:wanted]
    for node in candidates:
        if len(chosen) == wanted:
            break
        if node not in chosen:
            chosen.append(node)
    if len(chosen) < wanted:
        raise ReshardingError(
            f"{wanted} masters are planned but only {len(chosen)} nodes can serve slots "
            "(a replica is never turned into an empty master)"
        )
    return chosen


def even_shares(slot_counts: Mapping[str, int], masters: Sequence[str], slot_count: int = SLOT_COUNT) -> Dict[str, int]:
    """Each master's share: slot_count // M, one more for the first slot_count % M masters that serve the
    most now (so those keep a slot rather than lose it)."""
    if not masters:
        raise ReshardingError("at least one master is needed")
    size, extra = divmod(slot_count, len(masters))
    biggest_first = sorted(masters, key=lambda node: -slot_counts.get(node, 0))
    return {node: size + (1 if rank < extra else 0) for rank, node in enumerate(biggest_first)}


def plan_slot_moves(
    current: Mapping[str, Sequence[SlotRange]], masters: Sequence[str], slot_count: int = SLOT_COUNT
) -> List[SlotMove]:
    """The fewest slot moves that take `current` (node id -> ranges it serves) to an even split over `masters`.

    Nodes of `current` that are not in `masters` give away everything. A master over its share gives
    its highest slots; the freed slots go, lowest first, to the masters under their share in the order
    given, so every receiver gets contiguous runs where it can.
    """
    owned = {node: slots_of(ranges) for node, ranges in current.items()}
    total = sum(len(slots) for slots in owned.values())
    if total != slot_count or len({s for slots in owned.values() for s in slots}) != slot_count:
        raise ReshardingError(
            f"the live nodes serve {total} slots, not each of the {slot_count} once: "
            "the cluster must be whole before it can be resharded"
        )
    shares = even_shares({node: len(slots) for node, slots in owned.items()}, masters, slot_count)
    freed: List[Tuple[int, str]] = []  # (slot, its current owner)
    for node, slots in owned.items():
        keep = shares.get(node, 0)
        freed.extend((slot, node) for slot in sorted(slots)[keep:])
    freed.sort()
    assigned: Dict[Tuple[str, str], List[int]] = {}
    position = 0
    for node in masters:
        missing = shares[node] - len(owned.get(node, ()))
        for slot, source in freed[position : position + max(missing, 0)]:
            assigned.setdefault((source, node), []).append(slot)
        position += max(missing, 0)
    return [
        SlotMove(source=source, destination=destination, slots=tuple(merge_ranges(slots)))
        for (source, destination), slots in sorted(assigned.items(), key=lambda item: min(item[1]))
    ]


def plan_replica_moves(
    followers: Mapping[str, Sequence[str]], spare: Sequence[str], wanted: int, preferred: Mapping[str, str]
) -> List[Tuple[str, str]]:
    """(node, master to follow) pairs that give every master (key of `followers`) `wanted` replicas.

    `spare` are nodes that follow nobody and serve nothing (new, or drained masters); replicas beyond
    `wanted` of a master are spare too (its last ones). A spare node goes to its `preferred` master if
    that one is short, else to the master with the fewest replicas. Replicas already in place stay.
    """
    counts = {master: min(len(nodes), wanted) for master, nodes in followers.items()}
    free = list(spare) + [node for nodes in followers.values() for node in list(nodes)[wanted:]]
    moves: List[Tuple[str, str]] = []
    for node in free:
        short = [master for master in followers if counts[master] < wanted]
        if not short:
            raise ReshardingError(
                f"{len(free)} nodes are left to follow a master but every master already has its {wanted} replicas"
            )
        target = preferred.get(node)
        if target not in short:
            target = min(short, key=lambda master: counts[master])
        moves.append((node, target))
        counts[target] += 1
    return moves
