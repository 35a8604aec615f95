"""IP and port planning, slot assignment and replica placement: pure functions, no mocks."""

import ipaddress

import pytest

from components.errors import ConfigError
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.plan import (
    SLOT_COUNT,
    assign_slots,
    merge_ranges,
    place_replicas,
    plan_cluster,
    slots_of,
    topology_from_props,
)


def test_default_plan_is_the_tutorials_six_nodes_on_a_private_subnet():
    plan = plan_cluster("redis", RedisClusterArgs())
    assert [n.name for n in plan.nodes] == [f"redis-{i}" for i in range(1, 7)]
    assert [n.ip for n in plan.nodes] == [f"10.38.0.{10 + i}" for i in range(1, 7)]
    assert all(ipaddress.ip_address(n.ip).is_private for n in plan.nodes)
    assert [(n.host_port, n.bus_host_port) for n in plan.nodes] == [(6370 + i, 16370 + i) for i in range(1, 7)]
    assert [n.role for n in plan.nodes] == ["master"] * 3 + ["replica"] * 3
    assert [n.master for n in plan.replicas] == ["redis-1", "redis-2", "redis-3"]


def test_names_derive_from_the_component_name():
    plan = plan_cluster("cache", RedisClusterArgs())
    assert plan.nodes[0].name == "cache-1" and plan.replicas[0].master == "cache-1"


@pytest.mark.parametrize("masters", [1, 3, 4, 5, 7, 10, 100])
def test_every_slot_is_assigned_exactly_once_and_evenly(masters):
    ranges = assign_slots(masters)
    slots = slots_of(ranges)
    assert sorted(slots) == list(range(SLOT_COUNT))
    sizes = [end - start + 1 for start, end in ranges]
    assert max(sizes) - min(sizes) <= 1
    assert ranges[0][0] == 0 and ranges[-1][1] == SLOT_COUNT - 1


def test_three_masters_get_the_usual_split():
    assert assign_slots(3) == [(0, 5461), (5462, 10922), (10923, 16383)]


@pytest.mark.parametrize("masters,per_master", [(3, 0), (3, 1), (3, 2), (4, 3), (5, 1)])
def test_every_master_gets_its_replicas(masters, per_master):
    plan = plan_cluster("r", RedisClusterArgs(masters=masters, replicas_per_master=per_master))
    assert len(plan.nodes) == masters * (1 + per_master)
    for master in plan.masters:
        assert len([r for r in plan.replicas if r.master == master.name]) == per_master
    assert {r.master for r in plan.replicas} <= {m.name for m in plan.masters}


def test_placement_keeps_a_replica_off_its_masters_host_when_hosts_differ():
    # Masters on hosts a, b, c; replicas listed so that naive round-robin would pair each with its own host.
    owners = place_replicas(["a", "b", "c"], ["a", "b", "c"], 1)
    assert all(["a", "b", "c"][owner] != host for owner, host in zip(owners, ["a", "b", "c"]))


def test_placement_spreads_a_masters_replicas_over_hosts():
    owners = place_replicas(["a", "b", "c"], ["a", "a", "b", "b", "c", "c"], 2)
    hosts = ["a", "a", "b", "b", "c", "c"]
    for master, master_host in enumerate(["a", "b", "c"]):
        mine = [hosts[r] for r, owner in enumerate(owners) if owner == master]
        assert len(mine) == 2 and master_host not in mine and len(set(mine)) == 2


def test_placement_on_a_single_host_is_round_robin():
    assert place_replicas(["h"] * 3, ["h"] * 6, 2) == [0, 1, 2, 0, 1, 2]


def test_plan_with_hosts_uses_anti_affinity():
    plan = plan_cluster("r", RedisClusterArgs(), hosts=["a", "b", "c", "a", "b", "c"])
    for replica in plan.replicas:
        assert replica.master is not None
        assert replica.host != plan.node(replica.master).host


def test_subnet_too_small_is_rejected_with_the_setting_named():
    with pytest.raises(ConfigError) as error:
        plan_cluster("r", RedisClusterArgs(subnet="10.38.0.0/28"))
    assert error.value.setting == "redis.network.subnet"


def test_a_big_cluster_fits_a_24():
    plan = plan_cluster("r", RedisClusterArgs(masters=20, replicas_per_master=4))
    assert plan.nodes[-1].ip == "10.38.0.110"


def test_offset_onto_the_gateway_is_rejected():
    with pytest.raises(ConfigError) as error:
        plan_cluster("r", RedisClusterArgs(first_host_offset=0))
    assert error.value.setting == "redis.firstHostOffset"
    with pytest.raises(ConfigError):
        plan_cluster("r", RedisClusterArgs(first_host_offset=1))


def test_client_and_bus_ports_must_not_collide():
    with pytest.raises(ConfigError) as error:
        plan_cluster("r", RedisClusterArgs(base_port=16368))
    assert error.value.setting == "redis.busBasePort" and "16371" in str(error.value)


@pytest.mark.parametrize(
    "field,value,setting",
    [
        ("base_port", 65530, "redis.basePort"),
        ("bus_base_port", 65533, "redis.busBasePort"),
        ("base_port", 0, "redis.basePort"),
    ],
)
def test_ports_must_stay_within_65535(field, value, setting):
    with pytest.raises(ConfigError) as error:
        plan_cluster("r", RedisClusterArgs(**{field: value}))
    assert error.value.setting == setting


def test_topology_round_trips_through_provider_props():
    plan = plan_cluster("r", RedisClusterArgs(masters=4, replicas_per_master=2))
    back = topology_from_props(plan.topology())
    assert [(n.name, n.ip, n.role, n.master, n.slots) for n in back.nodes] == [
        (n.name, n.ip, n.role, n.master, n.slots) for n in plan.nodes
    ]
    assert back.replicas_per_master == 2


def test_merge_ranges():
    assert merge_ranges([5, 0, 1, 2, 7, 6]) == [(0, 2), (5, 7)]
    assert merge_ranges([]) == []
