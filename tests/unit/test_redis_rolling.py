"""Rolling replacement: the order, what is refused at preview, the roll step's diff, and the chain of
containers a formed cluster's program registers (under Pulumi mocks)."""

import ipaddress
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from components.engine.inventory import EngineNetwork
from components.labels import PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL
from components.redis import node_files
from components.redis.cluster import RedisCluster
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.cluster_state import NodeObservation, parse_cluster_nodes
from components.redis.model.plan import plan_cluster
from components.redis.model.rolling import node_fingerprint, roll_change, roll_order, roll_plan_inputs, unsafe_roll
from components.redis.resources import roll_step
from components.redis.resources.node_session import FormationError, FormationSpec
from components.redis.resources.roll_plan import RedisRollPlanProvider
from components.redis.resources.roll_step import RedisRollStepProvider, bus_problems, published_port

from .doubles.inventory import FakeInventory
from .doubles.pulumi_mocks import Deployment, run_program

STACK = "unit"
ROLL_STEP_TYPE = "pulumi-python:dynamic/redis:RollStep"
ROLL_PLAN_TYPE = "pulumi-python:dynamic/redis:RollPlan"


def plan_inputs(masters: int = 3, replicas: int = 1, image: str = "redis:a", base_port: int = 6370) -> Dict[str, Any]:
    args = RedisClusterArgs(masters=masters, replicas_per_master=replicas, base_port=base_port)
    plan = plan_cluster("redis", args)
    fingerprints = {node.name: node_fingerprint(node, image, "127.0.0.1", "conf", "run", "no") for node in plan.nodes}
    return roll_plan_inputs(plan, fingerprints, "redis")


def test_replicas_roll_before_masters():
    plan = plan_cluster("redis", RedisClusterArgs(masters=3, replicas_per_master=2))
    order = [node.role for node in roll_order(plan)]
    assert order == ["replica"] * 6 + ["master"] * 3, order


def test_an_image_change_rolls_every_node_in_order_and_is_safe():
    olds, news = plan_inputs(), plan_inputs(image="redis:b")
    change = roll_change(olds, news)
    assert change.rolling == ("redis-4", "redis-5", "redis-6", "redis-1", "redis-2", "redis-3")
    assert not change.reshaped
    assert unsafe_roll(olds, news, "redis") is None


def test_a_port_change_rolls_and_nothing_rolls_without_a_change():
    assert roll_change(plan_inputs(), plan_inputs(base_port=7370)).rolling
    assert roll_change(plan_inputs(), plan_inputs()).rolling == ()
    assert unsafe_roll({}, plan_inputs(image="redis:b"), "redis") is None, "a new cluster is created, not rolled"


def test_a_reshape_alone_is_no_roll_and_is_allowed():
    assert unsafe_roll(plan_inputs(), plan_inputs(masters=4), "redis") is None
    assert unsafe_roll(plan_inputs(replicas=1), plan_inputs(replicas=0), "redis") is None


def test_a_roll_together_with_a_reshape_is_refused_with_a_safe_order():
    refusal = unsafe_roll(plan_inputs(replicas=1), plan_inputs(replicas=0, image="redis:b"), "redis")
    assert refusal is not None
    assert "image" in refusal and "redis.masters" in refusal and "3x1 -> 3x0" in refusal
    assert "Safe order: 1)" in refusal and "2)" in refusal, refusal


def test_a_roll_without_replicas_is_refused_with_a_safe_order():
    refusal = unsafe_roll(plan_inputs(replicas=0), plan_inputs(replicas=0, image="redis:b"), "redis")
    assert refusal is not None and "replicasPerMaster is 0" in refusal
    assert "set redis.replicasPerMaster to 1" in refusal and "3)" in refusal, refusal


def test_the_roll_plan_check_fails_an_unsafe_update_before_anything_and_passes_the_rest():
    provider = RedisRollPlanProvider()
    unsafe = provider.check(plan_inputs(replicas=0), {**plan_inputs(replicas=0, image="redis:b"), "setting": "redis"})
    assert len(unsafe.failures) == 1 and "replicasPerMaster is 0" in unsafe.failures[0].reason
    assert unsafe.failures[0].property == "", "a named property makes Pulumi print the whole value first"
    assert provider.check({}, plan_inputs(replicas=0, image="redis:b")).failures == []
    assert provider.check(plan_inputs(), plan_inputs(image="redis:b")).failures == []


def test_the_roll_plan_records_what_rolled():
    olds, news = plan_inputs(), plan_inputs(image="redis:b")
    assert RedisRollPlanProvider().diff("id", olds, news).changes
    assert not RedisRollPlanProvider().diff("id", olds, plan_inputs()).changes
    outs = RedisRollPlanProvider().update("id", olds, news).outs
    assert outs is not None and outs["rolled"][0] == "redis-4"


def step_props(container: Any, settings: str = "5000", topology: str = "t") -> Dict[str, Any]:
    return {
        "node": "redis-1",
        "containers": {"redis-1": container},
        "settings": {"cluster-node-timeout": settings},
        "topology": topology,
    }


def test_a_roll_step_is_updated_only_when_its_container_is_new():
    diff = RedisRollStepProvider().diff
    assert not diff("id", step_props("a"), step_props("a", settings="6000", topology="other")).changes
    assert diff("id", step_props("a"), step_props("b")).changes
    assert diff("id", step_props("a"), step_props(None)).changes, "an id not known in preview is a new container"


def test_a_roll_step_left_with_a_take_back_pending_is_updated_again():
    diff = RedisRollStepProvider().diff
    assert diff("id", {**step_props("a"), "takeBackPending": True}, step_props("a")).changes
    assert not diff("id", {**step_props("a"), "takeBackPending": False}, step_props("a")).changes


def seen(name: str, cluster_nodes: str) -> NodeObservation:
    return NodeObservation(name=name, entries=tuple(parse_cluster_nodes(cluster_nodes)))


def test_a_peer_with_a_ping_unanswered_or_a_link_down_cannot_reach_the_node_yet():
    me = seen("redis-1", "a1 10.38.0.11:6379@16379 myself,slave b2 0 0 1 connected\n")

    def peer(ping: int, link: str) -> NodeObservation:  # redis-2's line about redis-1: ping sent, link
        return seen("redis-2", f"a1 10.38.0.11:6379@16379 slave b2 {ping} 0 1 {link}\n")

    assert bus_problems([me, peer(0, "connected")], "redis-1") == []
    assert bus_problems([me, peer(1700000000123, "connected")], "redis-1") == [
        "redis-2 cannot reach redis-1 over the cluster bus yet"
    ]
    assert bus_problems([me, peer(0, "disconnected")], "redis-1") != []
    assert bus_problems([NodeObservation(name="redis-1", error="refused")], "redis-1") == ["redis-1 does not answer"]


def test_the_take_back_asks_again_when_redis_gives_a_failover_up(monkeypatch: pytest.MonkeyPatch):
    """Redis drops a coordinated failover it could not finish in 5 s without a word: the step asks again."""
    plan = plan_cluster("redis", RedisClusterArgs())
    spec = FormationSpec(cluster_name="redis", plan=plan, endpoints={}, password="", timeout_seconds=60)
    asked: List[float] = []
    clock = {"now": 0.0}
    monkeypatch.setattr(roll_step.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(roll_step, "bus_problems", lambda *_: [])
    monkeypatch.setattr(roll_step, "wait_for", _fake_wait(clock))
    monkeypatch.setattr(roll_step, "retry", lambda _what, action, *_: action())
    monkeypatch.setattr(roll_step, "command", lambda *args: asked.append(clock["now"]))
    # Still a replica after two failovers, master after the third.
    monkeypatch.setattr(roll_step, "_role_problems", lambda *_: [] if len(asked) >= 3 else ["not a master yet"])
    monkeypatch.setattr(roll_step, "observe", _replica_until(asked, 3))
    assert roll_step.take_back(spec, plan.node("redis-1"), deadline=60) == roll_step.TAKEN_BACK
    assert len(asked) == 3 and asked[1] - asked[0] > roll_step.MANUAL_FAILOVER_SECONDS, asked


def test_a_take_back_not_done_in_time_in_a_whole_cluster_is_left_pending(monkeypatch: pytest.MonkeyPatch):
    plan = plan_cluster("redis", RedisClusterArgs())
    spec = FormationSpec(cluster_name="redis", plan=plan, endpoints={}, password="", timeout_seconds=20)
    clock = {"now": 0.0}
    monkeypatch.setattr(roll_step.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(roll_step, "observe", _replica_until([], 1))
    monkeypatch.setattr(roll_step, "bus_problems", lambda *_: [])
    monkeypatch.setattr(roll_step, "wait_for", _fake_wait(clock))
    monkeypatch.setattr(roll_step, "retry", lambda _what, action, *_: action())
    monkeypatch.setattr(roll_step, "command", lambda *args: None)
    monkeypatch.setattr(roll_step, "_role_problems", lambda *_: ["not a master yet"])
    monkeypatch.setattr(roll_step, "health_problems", lambda *_: [])
    assert roll_step.take_back(spec, plan.node("redis-1"), deadline=20) == roll_step.PENDING
    monkeypatch.setattr(roll_step, "health_problems", lambda *_: ["redis-5: cluster_state:fail"])
    with pytest.raises(FormationError):
        roll_step.take_back(spec, plan.node("redis-1"), deadline=40)


def _fake_wait(clock: Dict[str, float]):
    """wait_for on a clock that moves 1 s a poll, raising as the real one does at the deadline."""

    def wait(what, check, deadline, spec):
        while check():
            if clock["now"] >= deadline:
                raise FormationError(f"timed out waiting for {what}")
            clock["now"] += 1

    return wait


def _replica_until(asked: List[float], failovers: int):
    """observe(): redis-1 a replica until `failovers` failovers were asked for."""

    def observe(_spec):
        role = "master" if len(asked) >= failovers else "slave"
        return [seen("redis-1", f"a1 10.38.0.11:6379@16379 myself,{role} - 0 0 1 connected\n")]

    return observe


def test_the_published_port_is_read_from_docker_inspect():
    attrs = {"NetworkSettings": {"Ports": {"6379/tcp": [{"HostIp": "127.0.0.1", "HostPort": "28001"}]}}}
    assert published_port(attrs) == 28001
    assert published_port({"NetworkSettings": {"Ports": {}}}) is None


@pytest.fixture(autouse=True)
def files_under_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_files, "BUILD_ROOT", tmp_path)


def deploy(inventory: FakeInventory, existing: bool, masters: int = 3) -> Tuple[Deployment, RedisCluster]:
    """The program on a fake engine; `existing`: the stack's network is there, as after a first `up`."""
    if existing:
        labels = {PROJECT_LABEL: PROJECT_VALUE, STACK_LABEL: STACK}
        subnet = (ipaddress.IPv4Network("10.38.0.0/24"),)
        inventory.networks.append(EngineNetwork(name="redis", id="r" * 64, subnets=subnet, labels=labels))
    holder: Dict[str, RedisCluster] = {}

    def program() -> None:
        holder["cluster"] = RedisCluster("redis", RedisClusterArgs(masters=masters))

    deployment, _ = run_program(program, stack=STACK)
    return deployment, holder["cluster"]


def test_a_formed_cluster_chains_its_containers_replicas_first_each_after_the_last_step(fake_inventory: FakeInventory):
    deployment, cluster = deploy(fake_inventory, existing=True)
    containers = deployment.containers()
    previous = deployment.named("redis-roll-plan", ROLL_PLAN_TYPE).urn
    for node in roll_order(cluster.plan):
        container = containers[node.name]
        waits_for = [urn for urn in container.dependencies if "RollStep" in urn or "RollPlan" in urn]
        assert waits_for == [previous], f"{node.name} waits for {waits_for}, not the last step {previous}"
        step = deployment.named(f"{node.name}-roll", ROLL_STEP_TYPE)
        assert set(step.inputs["containers"]) == {node.name}, "a step depends on its own container alone"
        assert step.inputs["roll"] is True
        previous = step.urn
    for name in ("redis-formation", "redis-live-settings"):
        dependencies = deployment.named(name).dependencies
        missing = [n for n in containers if deployment.named(f"{n}-roll", ROLL_STEP_TYPE).urn not in dependencies]
        assert not missing, f"{name} could run while {missing} roll"


def test_a_new_cluster_is_not_chained_so_a_first_up_stays_parallel(fake_inventory: FakeInventory):
    deployment, cluster = deploy(fake_inventory, existing=False)
    containers = deployment.containers()
    for node in cluster.plan.nodes:
        waits_for = [urn for urn in containers[node.name].dependencies if "RollStep" in urn or "RollPlan" in urn]
        assert waits_for == [], f"{node.name} waits for {waits_for} on a first up"
        assert deployment.named(f"{node.name}-roll", ROLL_STEP_TYPE).inputs["roll"] is False


@pytest.mark.parametrize("existing", [False, True], ids=["new", "formed"])
def test_the_roll_plan_says_what_each_container_is_made_of(fake_inventory: FakeInventory, existing: bool):
    deployment, cluster = deploy(fake_inventory, existing=existing)
    inputs = deployment.named("redis-roll-plan", ROLL_PLAN_TYPE).inputs
    assert inputs["order"] == [node.name for node in roll_order(cluster.plan)]
    assert set(inputs["nodes"]) == {node.name for node in cluster.plan.nodes}
    first = inputs["nodes"]["redis-1"]
    assert first["ports"] == "127.0.0.1:6371,16371" and first["image"] == RedisClusterArgs().image


@pytest.mark.parametrize("existing", [False, True], ids=["new", "formed"])
def test_on_a_formed_cluster_the_image_waits_for_the_roll_plans_check(fake_inventory: FakeInventory, existing: bool):
    """`pulumi up --skip-preview` of a refused roll must stop before the image is replaced; a first `up`
    must not wait for it."""
    deployment, _ = deploy(fake_inventory, existing=existing)
    plan = deployment.named("redis-roll-plan", ROLL_PLAN_TYPE).urn
    waits = plan in deployment.named("redis-image", "remoteImage:RemoteImage").dependencies
    assert waits is existing, f"the image {'does not wait' if existing else 'waits'} for the roll plan"
