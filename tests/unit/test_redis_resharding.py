"""Planning a change of shape: which masters serve slots, the fewest slot moves, who follows whom. Pure."""

from typing import Dict, List, Mapping, Sequence

import pytest

from components.redis.model.cluster_state import parse_cluster_nodes
from components.redis.model.plan import SLOT_COUNT, SlotRange, assign_slots, slots_of
from components.redis.model.reshard_plan import (
    ReshardingError,
    SlotMove,
    choose_masters,
    even_shares,
    plan_replica_moves,
    plan_slot_moves,
)


def _even(names: Sequence[str]) -> Dict[str, List[SlotRange]]:
    return {name: [r] for name, r in zip(names, assign_slots(len(names)))}


def _apply(current: Mapping[str, Sequence[SlotRange]], moves: Sequence[SlotMove]) -> Dict[str, set]:
    owned = {node: set(slots_of(ranges)) for node, ranges in current.items()}
    for move in moves:
        moving = set(slots_of(move.slots))
        assert moving <= owned[move.source], "a move takes slots the source does not serve"
        owned[move.source] -= moving
        owned.setdefault(move.destination, set()).update(moving)
    return owned


def _sizes(owned: Dict[str, set]) -> Dict[str, int]:
    return {node: len(slots) for node, slots in owned.items() if slots}


def test_three_to_four_masters_moves_exactly_a_quarter_of_the_slots_to_the_new_one():
    current = _even(["a", "b", "c"])
    moves = plan_slot_moves(current, ["a", "b", "c", "d"])
    assert {move.destination for move in moves} == {"d"}
    assert sum(move.count for move in moves) == SLOT_COUNT // 4
    assert sorted(_sizes(_apply(current, moves)).values()) == [4096] * 4


def test_four_to_three_masters_moves_only_the_leaving_masters_slots():
    current = _even(["a", "b", "c", "d"])
    moves = plan_slot_moves(current, ["a", "b", "c"])
    assert {move.source for move in moves} == {"d"}
    assert sum(move.count for move in moves) == 4096
    sizes = _sizes(_apply(current, moves))
    assert set(sizes) == {"a", "b", "c"} and max(sizes.values()) - min(sizes.values()) <= 1


def test_an_even_cluster_needs_no_move():
    assert plan_slot_moves(_even(["a", "b", "c"]), ["a", "b", "c"]) == []
    assert plan_slot_moves(_even(["a", "b", "c"]), ["c", "a", "b"]) == []


@pytest.mark.parametrize("before, after", [(3, 4), (4, 3), (3, 7), (7, 3), (5, 6), (4, 5)])
def test_moves_are_minimal_and_the_result_even(before, after):
    names = [f"n{i}" for i in range(max(before, after))]
    current = _even(names[:before])
    moves = plan_slot_moves(current, names[:after])
    owned = _apply(current, moves)
    sizes = _sizes(owned)
    assert set(sizes) == set(names[:after]) and sum(sizes.values()) == SLOT_COUNT
    assert max(sizes.values()) - min(sizes.values()) <= 1
    # Minimal: only what exceeds each staying master's share, and all of what leaving masters serve, moves.
    shares = even_shares({n: len(slots_of(r)) for n, r in current.items()}, names[:after])
    needed = sum(max(len(slots_of(r)) - shares.get(n, 0), 0) for n, r in current.items())
    assert sum(move.count for move in moves) == needed
    assert all(move.source != move.destination for move in moves)


def test_an_uneven_map_is_evened_out():
    current = {"a": [(0, 9999)], "b": [(10000, 12000)], "c": [(12001, 16383)]}
    sizes = _sizes(_apply(current, plan_slot_moves(current, ["a", "b", "c"])))
    assert sorted(sizes.values()) == [5461, 5461, 5462]


def test_a_cluster_with_missing_slots_is_not_resharded():
    with pytest.raises(ReshardingError, match="whole"):
        plan_slot_moves({"a": [(0, 100)]}, ["a", "b", "c"])


def test_choose_masters_keeps_the_slot_holders_and_adds_spare_nodes_in_order():
    counts = {"a": 5461, "b": 5461, "c": 5462}
    assert choose_masters(counts, ["g", "h"], 4) == ["c", "a", "b", "g"]
    assert choose_masters(counts, [], 3) == ["c", "a", "b"]
    assert choose_masters({**counts, "d": 10}, [], 3) == ["c", "a", "b"]
    with pytest.raises(ReshardingError, match="4 masters are planned"):
        choose_masters(counts, [], 4)


def test_replica_moves_attach_spare_nodes_to_masters_short_of_replicas():
    followers = {"a": ["x"], "b": ["y"], "c": ["z"], "d": []}
    assert plan_replica_moves(followers, ["h"], 1, {}) == [("h", "d")]
    # replicas 1 -> 2: each spare goes to its preferred master when that one is short
    followers = {"a": ["x"], "b": ["y"], "c": ["z"]}
    assert plan_replica_moves(followers, ["p", "q", "r"], 2, {"p": "c", "q": "a", "r": "b"}) == [
        ("p", "c"),
        ("q", "a"),
        ("r", "b"),
    ]


def test_replica_moves_take_surplus_replicas_to_orphaned_masters():
    followers = {"a": ["x", "w"], "b": ["y"], "c": []}
    assert plan_replica_moves(followers, [], 1, {}) == [("w", "c")]
    assert plan_replica_moves({"a": ["x"], "b": ["y"]}, [], 1, {}) == []
    with pytest.raises(ReshardingError):
        plan_replica_moves({"a": ["x"]}, ["extra"], 1, {})


def test_open_slots_of_an_interrupted_move_are_parsed():
    a, b = "a" * 40, "b" * 40
    source, destination = parse_cluster_nodes(
        f"{a} 10.38.0.11:6379@16379 myself,master - 0 0 1 connected 0-5460 [5461->-{b}]\n"
        f"{b} 10.38.0.12:6379@16379 myself,master - 0 0 2 connected 5461-10922 [5461-<-{a}]\n"
    )
    assert source.migrating == ((5461, b),) and source.slots == ((0, 5460),)
    assert destination.importing == ((5461, a),) and not destination.migrating
