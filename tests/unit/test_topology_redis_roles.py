"""Roles, slots and replica -> master from CLUSTER NODES: the replies recorded from a real 3+3 cluster,
and a cluster after a failover."""

from pathlib import Path
from typing import Dict, Tuple

from topology.answers import load_answers
from topology.model import Replication, build_topology
from topology.redis_roles import RedisRole, replications_of, roles_from_cluster_nodes

RECORDED = Path(__file__).parent / "recorded"


def replies_after_failover() -> Dict[str, str]:
    """Six nodes where redis-4 took over redis-1's slots and redis-1 follows it, each reply from its node."""
    ids = {f"redis-{i}": str(i) * 40 for i in range(1, 7)}
    rows: Dict[str, Tuple[str, str, str]] = {  # name: flags, master, slots
        "redis-1": ("slave", ids["redis-4"], ""),
        "redis-2": ("master", "-", "5462-10922"),
        "redis-3": ("master", "-", "10923-16383"),
        "redis-4": ("master", "-", "0-5460 5461"),
        "redis-5": ("slave", ids["redis-2"], ""),
        "redis-6": ("slave", ids["redis-3"], ""),
    }

    def reply(me: str) -> str:
        return "\n".join(
            f"{ids[name]} 10.38.0.1{name[-1]}:6379@16379 {'myself,' if name == me else ''}{flags} {master} "
            f"0 1700000000000 1 connected {slots}".strip()
            for name, (flags, master, slots) in rows.items()
        )

    return {name: reply(name) for name in rows}


def test_recorded_cluster_three_masters_with_their_slots_and_a_replica_each():
    roles = roles_from_cluster_nodes(load_answers(RECORDED / "redis.json").cluster_nodes)
    assert roles == {
        "redis-1": RedisRole("master", None, ("0-5461",)),
        "redis-2": RedisRole("master", None, ("5462-10922",)),
        "redis-3": RedisRole("master", None, ("10923-16383",)),
        "redis-4": RedisRole("replica", "redis-1", ()),
        "redis-5": RedisRole("replica", "redis-2", ()),
        "redis-6": RedisRole("replica", "redis-3", ()),
    }
    assert replications_of(roles) == [("redis-4", "redis-1"), ("redis-5", "redis-2"), ("redis-6", "redis-3")]
    assert roles["redis-1"].label == "master · slots 0-5461"
    assert roles["redis-4"].label == "replica of redis-1"


def test_after_a_failover_the_arrow_follows_the_new_master():
    roles = roles_from_cluster_nodes(replies_after_failover())
    assert roles["redis-4"] == RedisRole("master", None, ("0-5460", "5461"))
    assert roles["redis-4"].label == "master · slots 0-5460, 5461"
    assert ("redis-1", "redis-4") in replications_of(roles)


def test_a_replica_whose_master_was_not_asked_has_no_arrow_and_names_it_by_id():
    replies = replies_after_failover()
    del replies["redis-4"]
    roles = roles_from_cluster_nodes(replies)
    assert roles["redis-1"] == RedisRole("replica", "4" * 12, ())
    assert ("redis-1", "4" * 12) not in replications_of(roles) and "redis-4" not in roles


def test_a_node_that_says_nothing_is_unreachable():
    assert roles_from_cluster_nodes({"redis-1": ""}) == {"redis-1": RedisRole("unreachable", None, ())}
    assert roles_from_cluster_nodes({"redis-1": ""})["redis-1"].label == "unreachable"


def test_the_redis_topology_puts_roles_on_containers_and_one_arrow_per_replica():
    topology = build_topology(load_answers(RECORDED / "redis.json"))
    assert all(c.role is not None for c in topology.containers)
    assert {c.name: c.role.label for c in topology.containers if c.role is not None} == {
        "redis-1": "master · slots 0-5461",
        "redis-2": "master · slots 5462-10922",
        "redis-3": "master · slots 10923-16383",
        "redis-4": "replica of redis-1",
        "redis-5": "replica of redis-2",
        "redis-6": "replica of redis-3",
    }
    assert topology.replications == (
        Replication("redis-4", "redis-1"),
        Replication("redis-5", "redis-2"),
        Replication("redis-6", "redis-3"),
    )
    [bridge] = topology.bridges
    assert (bridge.network, bridge.subnet, bridge.gateway) == ("redis", "10.38.0.0/24", "10.38.0.1")
    assert [(i.ip, i.host_veth.bridge if i.host_veth else None) for i in topology.containers[0].interfaces] == [
        ("10.38.0.11", bridge.device)
    ]
