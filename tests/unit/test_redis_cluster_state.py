"""Parsing CLUSTER NODES / CLUSTER INFO and judging a cluster's health: pure, from text."""

from components.redis.model.cluster_state import (
    NodeObservation,
    health_problems,
    live_roles,
    parse_cluster_nodes,
    parse_info,
    slot_map,
)

M1, M2, M3 = "a" * 40, "b" * 40, "c" * 40
R1, R2, R3 = "d" * 40, "e" * 40, "f" * 40
IDS = {"redis-1": M1, "redis-2": M2, "redis-3": M3, "redis-4": R1, "redis-5": R2, "redis-6": R3}
IPS = {"redis-1": 11, "redis-2": 12, "redis-3": 13, "redis-4": 14, "redis-5": 15, "redis-6": 16}
OK_INFO = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:6\r\n"


def _line(name, flags, master="-", slots="", link="connected"):
    return (f"{IDS[name]} 10.38.0.{IPS[name]}:6379@16379 {flags} {master} 0 1700000000000 1 {link} {slots}").strip()


def _nodes_text(me: str, overrides=None) -> str:
    rows = {
        "redis-1": ("master", "-", "0-5461"),
        "redis-2": ("master", "-", "5462-10922"),
        "redis-3": ("master", "-", "10923-16383"),
        "redis-4": ("slave", M1, ""),
        "redis-5": ("slave", M2, ""),
        "redis-6": ("slave", M3, ""),
    }
    rows.update(overrides or {})
    lines = []
    for name, (flags, master, slots) in rows.items():
        lines.append(_line(name, f"myself,{flags}" if name == me else flags, master, slots))
    return "\n".join(lines) + "\n"


def _observations(overrides=None, info=OK_INFO):
    return [
        NodeObservation(
            name=name, info=parse_info(info), entries=tuple(parse_cluster_nodes(_nodes_text(name, overrides)))
        )
        for name in IDS
    ]


def test_parse_cluster_nodes_line():
    entries = parse_cluster_nodes(
        f"{M1} 10.38.0.11:6379@16379,redis-1 myself,master - 0 0 1 connected 0-5460 5461 [5462->-{M2}]\n"
        f"{R1} 10.38.0.14:6379@16379 slave,fail {M1} 0 0 1 disconnected\n"
    )
    first, second = entries
    assert first.address == "10.38.0.11:6379" and first.ip == "10.38.0.11"
    assert first.slots == ((0, 5460), (5461, 5461)) and first.is_master and not first.failing
    assert second.master_id == M1 and second.failing and not second.is_master


def test_slot_map_merges_adjacent_ranges():
    entries = parse_cluster_nodes(f"{M1} 10.38.0.11:6379@16379 myself,master - 0 0 1 connected 0-10 11-20 30\n")
    assert slot_map(entries) == {M1: ((0, 20), (30, 30))}


def test_parse_info():
    assert parse_info("# Cluster\r\ncluster_state:ok\r\ncluster_size:3\r\n") == {
        "cluster_state": "ok",
        "cluster_size": "3",
    }


def test_a_formed_cluster_is_healthy_and_roles_are_reported():
    observations = _observations()
    assert health_problems(observations, 3, 1) == []
    roles = live_roles(observations)
    assert roles["redis-1"] == {"role": "master", "master": None, "slots": ["0-5461"], "nodeId": M1}
    assert roles["redis-4"]["role"] == "replica" and roles["redis-4"]["master"] == "redis-1"


def test_after_a_failover_the_shape_is_still_healthy():
    swapped = {"redis-1": ("slave", R1, ""), "redis-4": ("master", "-", "0-5461")}
    observations = _observations(swapped)
    assert health_problems(observations, 3, 1) == []
    assert live_roles(observations)["redis-4"]["slots"] == ["0-5461"]


def test_state_fail_is_a_problem():
    problems = health_problems(_observations(info="cluster_state:fail\r\n"), 3, 1)
    assert "redis-1: cluster_state:fail" in problems


def test_missing_slots_and_missing_replicas_are_problems():
    problems = health_problems(
        _observations({"redis-3": ("master", "-", "10923-16000"), "redis-6": ("master", "-", "")}), 3, 1
    )
    assert "slots 16001-16383 have no master" in problems
    assert "master redis-3 has 0 working replicas, 1 planned" in problems


def test_an_unreachable_node_is_a_problem_and_shows_as_unreachable():
    observations = _observations()
    observations[5] = NodeObservation(name="redis-6", error="127.0.0.1:6376: Connection refused")
    problems = health_problems(observations, 3, 1)
    assert problems == ["redis-6: not reachable (127.0.0.1:6376: Connection refused)"]
    assert live_roles(observations)["redis-6"]["role"] == "unreachable"


def test_nodes_that_disagree_on_the_slot_map_are_a_problem():
    observations = _observations()
    observations[0] = NodeObservation(
        name="redis-1",
        info=parse_info(OK_INFO),
        entries=tuple(
            parse_cluster_nodes(
                _nodes_text(
                    "redis-1", {"redis-2": ("master", "-", "5462-10000"), "redis-3": ("master", "-", "10001-16383")}
                )
            )
        ),
    )
    assert "redis-1: its slot map differs from redis-2's" in health_problems(observations[1:] + observations[:1], 3, 1)


def test_a_node_nobody_knows_is_a_problem():
    observations = _observations()
    observations[1] = NodeObservation(
        name="redis-2",
        info=parse_info(OK_INFO),
        entries=tuple(e for e in parse_cluster_nodes(_nodes_text("redis-2")) if e.node_id != R3),
    )
    assert "redis-2: does not know redis-6 as a healthy peer" in health_problems(observations, 3, 1)


def test_a_blank_node_is_recognised():
    blank = NodeObservation(
        name="redis-1",
        info=parse_info("cluster_state:fail\r\n"),
        entries=tuple(parse_cluster_nodes(f"{M1} :6379@16379 myself,master - 0 0 0 connected\n")),
    )
    assert blank.is_blank and not _observations()[0].is_blank


def test_a_slot_half_way_through_a_move_is_a_problem():
    observations = _observations()
    text = _nodes_text("redis-1", {"redis-1": ("master", "-", f"0-5461 [5461->-{M2}]")})
    observations[0] = NodeObservation(
        name="redis-1", info=parse_info(OK_INFO), entries=tuple(parse_cluster_nodes(text))
    )
    assert any("half-way through a move" in p for p in health_problems(observations, 3, 1))


def test_a_node_that_still_knows_a_removed_node_is_a_problem():
    observations = _observations()
    extra = f"{'9' * 40} 10.38.0.17:6379@16379 slave {M1} 0 0 1 connected"
    observations[0] = NodeObservation(
        name="redis-1", info=parse_info(OK_INFO), entries=tuple(parse_cluster_nodes(_nodes_text("redis-1") + extra))
    )
    assert "redis-1: knows 7 nodes, 6 planned" in health_problems(observations, 3, 1)


def test_a_replica_not_yet_synced_is_a_problem_only_when_up_waits_for_it():
    observations = _observations()
    unsynced = parse_info("role:slave\r\nmaster_link_status:down\r\n" + OK_INFO)
    observations[3] = NodeObservation(name="redis-4", info=unsynced, entries=observations[3].entries)
    assert "redis-4: its replication link to its master is down" in health_problems(observations, 3, 1, True)
    assert health_problems(observations, 3, 1) == []  # not drift: it heals by itself
    observations[3] = NodeObservation(
        name="redis-4", info=parse_info("master_link_status:up\r\n" + OK_INFO), entries=observations[3].entries
    )
    assert health_problems(observations, 3, 1) == []
