"""harness.isolation: a run's prefix, and the subnets and ports it takes beside a person's stacks.

The machine is replaced: a FakeInventory for engine networks and routes, and fake port probes.
"""

import ipaddress
import random
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import pytest

from components.engine.inventory import EngineNetwork, HostRoute
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, validate_name_prefix
from components.redis.model.plan import plan_cluster
from components.redis.settings import args_from_config
from harness.isolation import (
    LOWEST_PORT,
    PORT_STEP,
    RUN_PREFIX,
    SUBNET_POOL,
    RunIsolation,
    carries_prefix,
    merge_config,
    run_prefix,
)

from .doubles.inventory import FakeInventory

EPHEMERAL_LOW = 32768


def isolation(
    inventory: Optional[FakeInventory] = None,
    free: Callable[[int], bool] = lambda port: True,
    engine_ports: Iterable[int] = (),
    ephemeral_low: int = EPHEMERAL_LOW,
    prefix: str = "it-0a1b2c-",
    share: Tuple[int, int] = (0, 1),
) -> RunIsolation:
    return RunIsolation(
        prefix=prefix,
        share=share,
        inventory=inventory or FakeInventory(),
        probe_port=free,
        engine_ports=lambda: set(engine_ports),
        ephemeral_low=ephemeral_low,
        rng=random.Random(7),
    )


def inventory_leaving_free(*free: ipaddress.IPv4Network) -> FakeInventory:
    """Engine networks and host routes that cover the whole pool except `free`."""
    taken: List[ipaddress.IPv4Network] = [SUBNET_POOL]
    for subnet in free:
        taken = [
            part
            for network in taken
            for part in (network.address_exclude(subnet) if subnet.subnet_of(network) else [network])
        ]
    half = len(taken) // 2
    networks = [EngineNetwork(name=f"other-{i}", id=f"{i:064x}", subnets=(net,)) for i, net in enumerate(taken[:half])]
    routes = [HostRoute(device="eth1", destination=net) for net in taken[half:]]
    return FakeInventory(networks=networks, routes=routes)


# --- the prefix ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["it", "bench"])
def test_a_run_prefix_has_the_form_cleanup_looks_for_and_is_a_valid_name_prefix(kind):
    prefix = run_prefix(kind)
    assert RUN_PREFIX.fullmatch(prefix) and prefix.startswith(f"{kind}-")
    assert validate_name_prefix("docker-networking:namePrefix", prefix) == prefix
    assert len({run_prefix(kind) for _ in range(20)}) > 1  # run-unique


def test_an_unknown_run_kind_is_refused():
    with pytest.raises(ValueError, match="unknown run kind 'dev'"):
        run_prefix("dev")


@pytest.mark.parametrize("prefix", ["", "dev-", "it-0a1b2c", "it-XYZ123-"])
def test_a_prefix_cleanup_could_not_tell_from_a_persons_is_refused(prefix):
    with pytest.raises(ValueError, match="not a run prefix"):
        RunIsolation(prefix=prefix, inventory=FakeInventory())


def test_names_and_labels_carry_the_prefix():
    run = isolation()
    assert run.name("redis-1") == "it-0a1b2c-redis-1"
    assert run.labels == {PROJECT_LABEL: PROJECT_VALUE, NAME_PREFIX_LABEL: "it-0a1b2c-"}
    assert run.owns({**run.labels, "io.docker-networking.stack": "redis"})


@pytest.mark.parametrize(
    "labels",
    [
        None,
        {},
        {PROJECT_LABEL: PROJECT_VALUE},  # a person's stack: no prefix label
        {PROJECT_LABEL: PROJECT_VALUE, NAME_PREFIX_LABEL: "it-ffffff-"},  # another run's
        {NAME_PREFIX_LABEL: "it-0a1b2c-"},  # not the project's
    ],
)
def test_objects_of_a_person_or_of_another_run_are_not_the_runs(labels):
    assert not carries_prefix(labels, "it-0a1b2c-")
    assert not isolation().owns(labels)


# --- subnets ---------------------------------------------------------------------------------------


def test_the_subnet_is_a_slash_24_of_the_pool_that_nothing_uses():
    free = ipaddress.IPv4Network("10.203.17.0/24")
    assert isolation(inventory_leaving_free(free)).subnet("mynet") == free


def test_one_purpose_keeps_its_subnet_and_two_purposes_get_two():
    free = [ipaddress.IPv4Network("10.200.5.0/24"), ipaddress.IPv4Network("10.207.255.0/24")]
    inventory = inventory_leaving_free(*free)
    run = isolation(inventory)
    first = run.subnet("mynet")
    assert run.subnet("mynet") == first
    assert inventory.calls == 1  # the engine is asked for a new purpose only
    assert {first, run.subnet("redis")} == set(free)


def test_every_subnet_is_in_the_pool_and_clear_of_docker0_and_routes():
    inventory = FakeInventory(routes=[HostRoute(device="eth0", destination=ipaddress.IPv4Network("10.200.0.0/14"))])
    run = isolation(inventory)
    subnets = [run.subnet(f"purpose-{i}") for i in range(50)]
    assert len(set(subnets)) == 50
    for subnet in subnets:
        assert subnet.prefixlen == 24 and subnet.subnet_of(SUBNET_POOL)
        assert not subnet.overlaps(ipaddress.IPv4Network("10.200.0.0/14"))


def test_a_full_pool_says_how_to_free_it():
    with pytest.raises(RuntimeError, match="no free /24 left in 10.200.0.0/13 for redis.*make clean"):
        isolation(inventory_leaving_free()).subnet("redis")


# --- ports -----------------------------------------------------------------------------------------


def free_between(low: int, high: int) -> Callable[[int], bool]:
    return lambda port: low <= port < high


def test_the_port_block_is_free_below_the_ephemeral_range_and_its_base_ends_in_zero():
    probed: Set[int] = set()

    def free(port: int) -> bool:
        probed.add(port)
        return 25000 <= port < 25100

    base = isolation(free=free).port_base("redis", count=8)
    assert base % PORT_STEP == 0 and 25000 <= base and base + 8 < 25100
    assert set(range(base + 1, base + 9)) <= probed


def test_ports_the_engine_publishes_are_avoided_even_when_nothing_listens():
    free = free_between(25000, 25010)  # on the host, only the block 25001-25008 (base 25000) is free
    assert isolation(free=free).port_base("redis", count=8) == 25000
    with pytest.raises(RuntimeError, match="no 8 free consecutive ports"):
        isolation(free=free, engine_ports=[25005]).port_base("redis", count=8)


def test_one_purpose_keeps_its_block_and_blocks_of_two_purposes_are_apart():
    run = isolation(free=free_between(25000, 25080))
    client = run.port_base("redis", count=8)
    assert run.port_base("redis", count=8) == client
    bus = run.port_base("redis-bus", count=8)
    assert not set(range(client, client + 9)) & set(range(bus, bus + 9))


def test_no_block_reaches_into_the_ephemeral_range():
    run = isolation(ephemeral_low=LOWEST_PORT + 40)
    for i in range(3):
        base = run.port_base(f"p{i}", count=8)
        assert LOWEST_PORT <= base and base + 8 < LOWEST_PORT + 40


@pytest.mark.parametrize(
    "ephemeral_low, free, problem",
    [
        (LOWEST_PORT + 5, lambda port: True, "no room for 8 ports"),
        (EPHEMERAL_LOW, lambda port: False, "no 8 free consecutive ports"),
    ],
)
def test_no_free_block_is_an_error_that_says_why(ephemeral_low, free, problem):
    with pytest.raises(RuntimeError, match=problem):
        isolation(free=free, ephemeral_low=ephemeral_low).port_base("bench", count=8)


# --- the settings a run gives each stack -----------------------------------------------------------


def test_merge_config_keeps_the_defaults_a_test_does_not_set():
    defaults: Dict[str, Any] = {
        "namePrefix": "it-0a1b2c-",
        "mynet": {"network": {"subnet": "10.201.0.0/24", "gateway": "10.201.0.1"}},
    }
    given = {"mynet": {"network": {"name": "mynet"}, "staticIps": {"tomcat01": "10.201.0.100"}}, "keepImages": False}
    assert merge_config(defaults, given) == {
        "namePrefix": "it-0a1b2c-",
        "keepImages": False,
        "mynet": {
            "network": {"subnet": "10.201.0.0/24", "gateway": "10.201.0.1", "name": "mynet"},
            "staticIps": {"tomcat01": "10.201.0.100"},
        },
    }
    assert defaults["mynet"]["network"] == {"subnet": "10.201.0.0/24", "gateway": "10.201.0.1"}  # untouched


def test_a_value_that_is_no_object_replaces_the_default_whole():
    assert merge_config({"redis": {"basePort": 25000}}, {"redis": '{"masters": 4}'}) == {"redis": '{"masters": 4}'}


@pytest.mark.parametrize("scenario", ["bridge", "link"])
def test_tomcat_stacks_on_docker0_only_get_the_prefix(scenario):
    assert isolation().stack_config(scenario, scenario) == {"namePrefix": "it-0a1b2c-"}


def test_the_mynet_stack_gets_its_own_subnet_with_the_tutorials_gateway_address():
    run = isolation()
    config = run.stack_config("mynet", "mynet")
    subnet = run.subnet("mynet")
    assert config == {
        "namePrefix": "it-0a1b2c-",
        "mynet": {"network": {"subnet": str(subnet), "gateway": str(subnet.network_address + 1)}},
    }


def test_each_redis_stack_gets_a_subnet_and_ports_the_planner_accepts():
    run = isolation(free=free_between(21000, 26000))
    plans = {}
    for stack in ("redis", "redis-faults"):
        config = run.stack_config(stack, "redis")
        assert config["namePrefix"] == "it-0a1b2c-"
        # Up to 4 masters with a replica each, as the fault tests scale to.
        plans[stack] = plan_cluster(run.name("redis"), args_from_config({**config["redis"], "masters": 4}))
    ports = [{port for node in plan.nodes for port in (node.host_port, node.bus_host_port)} for plan in plans.values()]
    assert not ports[0] & ports[1]
    subnets = [ipaddress.IPv4Network(f"{plan.nodes[0].ip}/24", strict=False) for plan in plans.values()]
    assert subnets[0] != subnets[1] and all(subnet.subnet_of(SUBNET_POOL) for subnet in subnets)
    assert all(port < EPHEMERAL_LOW for port in ports[0] | ports[1])


def test_parallel_workers_take_subnets_and_ports_from_shares_that_never_meet():
    """Two workers of one test run choose at the same instant: each from its own share of the pool."""
    workers = [isolation(free=lambda port: True, share=(index, 2)) for index in range(2)]
    subnets = [{worker.subnet(f"stack-{n}") for n in range(20)} for worker in workers]
    bases = [{worker.port_base(f"stack-{n}") for n in range(20)} for worker in workers]
    assert not subnets[0] & subnets[1] and not bases[0] & bases[1]
    with pytest.raises(ValueError, match="share"):
        isolation(share=(2, 2))
