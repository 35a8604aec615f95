"""Faults on a real engine: running `pulumi up` again repairs the redis stack and loses no key.

One stack (`redis-faults`, the shipped redis settings) goes through an interrupted first `up` (SIGINT, then
the CLI killed outright), drift (a replica's and a master's container removed by hand), every node
restarted, bad settings, scaling masters 3 -> 4 -> 3 and replicas 1 -> 0 -> 1, and a destroy after a
container was removed by hand. Each test starts from a whole cluster in its planned state (Faults.restore:
a test that failed half-way does not fail the next one); those of an interrupted first `up` start from
nothing. Keys written before (and acknowledged by a replica with WAIT) are checked after every fault.
Recovery times are printed ("TIMING ..."), never asserted: run with `-s` to see them. The stack is deployed
as the run isolates it (node names with the run's prefix, its own subnet and ports), so a person's `redis`
stack on the same engine is neither touched nor counted as this stack's. The engine itself is restarted in
test_engine_restart.py, on an engine of its own.
"""

import concurrent.futures
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

import pytest
from pulumi import automation as auto

from harness.isolation import RunIsolation
from harness.waiting import wait_until
from soak.rolled_image import make_rolled_image, remove_rolled_images
from tests.integration import cli_interrupt, engine
from tests.integration.conftest import TEST_IMAGES
from tests.integration.fault_stack import (
    RECOVERY_LIMIT_SECONDS,
    Faults,
    Recorded,
    pending_operations,
    recorded_engine_objects,
)
from tests.integration.redis_checks import changes, missing_keys, timed

pytestmark = pytest.mark.integration

STACK = "redis-faults"
SCENARIO = {"scenario": "redis"}  # the shipped redis defaults, with the run's prefix, subnet and ports
FORMATION = "redis-formation"  # the cluster's child of that name, as run.name gives it
LIVE_SETTINGS = "redis-live-settings"
ROLL_PLAN = "redis-roll-plan"
TEARDOWN = "redis-teardown"
RECOVERY_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "recover_interrupted.py"


@pytest.fixture(scope="module")
def stack_under_faults(project) -> Faults:
    return Faults(project=project, stack=project.stack(STACK, SCENARIO))


@pytest.fixture
def faults(stack_under_faults: Faults) -> Faults:
    """The stack, a whole cluster in its planned state (the tests that start from nothing destroy it)."""
    stack_under_faults.restore()
    return stack_under_faults


# --- Interruption ------------------------------------------------------------------------------------


def _interrupted_up(faults: Faults, how: str, tmp_path: Path) -> int:
    """Start `pulumi up` on an empty stack and interrupt it once the engine holds two of its containers."""
    process = cli_interrupt.start_up(faults.project.root, faults.project.env, STACK, tmp_path / f"{how}.log")
    try:
        cli_interrupt.wait_for(lambda: len(faults.container_ids()) >= 2, 120, "the first containers")
    finally:
        code = cli_interrupt.interrupt(process) if how == "sigint" else cli_interrupt.kill_outright(process)
    print((tmp_path / f"{how}.log").read_text()[-2500:])
    return code


def test_an_up_interrupted_with_sigint_converges_on_the_next_up(stack_under_faults, tmp_path):
    faults = stack_under_faults  # an interrupted first `up` needs an empty stack, not a whole cluster
    faults.stack.destroy(on_output=print)
    code = _interrupted_up(faults, "sigint", tmp_path)
    assert code != 0
    # Ctrl-C lets Pulumi finish what was in flight and record it: nothing is pending, nothing orphaned.
    assert pending_operations(faults.stack) == []
    faults.assert_no_orphans()
    faults.up("recovery after SIGINT: the next up")
    faults.assert_no_orphans()
    faults.write_keys()
    faults.assert_whole()


def test_an_up_killed_outright_recovers_as_documented_and_converges(stack_under_faults, tmp_path):
    faults = stack_under_faults  # as above
    faults.stack.destroy(on_output=print)
    code = _interrupted_up(faults, "sigkill", tmp_path)
    assert code == -9
    pending = pending_operations(faults.stack)
    print(f"pending operations left by the killed CLI: {pending}")
    # What was created on the engine but never recorded would clash on the next up, or be an orphan.
    unrecorded = faults.labelled_engine_objects() - recorded_engine_objects(faults.stack)
    print(f"on the engine but not in the state: {sorted(unrecorded)}")
    started = time.monotonic()
    recovered = subprocess.run(
        [str(RECOVERY_SCRIPT), STACK],
        cwd=faults.project.root,
        env=faults.project.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(recovered.stdout, recovered.stderr)
    assert recovered.returncode == 0
    assert pending_operations(faults.stack) == []
    faults.up("recovery after SIGKILL: the next up")
    print(f"TIMING recovery after SIGKILL (script + up): {time.monotonic() - started:.1f}s")
    faults.assert_no_orphans()
    faults.write_keys()
    faults.assert_whole()


# --- Drift ---------------------------------------------------------------------------------------------


def _remove_container(name: str) -> None:
    with engine.client() as client:
        client.api.remove_container(name, force=True)  # its volume stays, as with `docker rm -f`


def test_a_replica_removed_by_hand_is_recreated_and_rejoins_its_master(faults):
    view = faults.view
    masters = {row.node_id: name for name, row in view.masters().items()}
    replica = next(name for name in view.names if not view.myself(name).is_master)
    followed = masters[view.myself(replica).master]
    before = faults.container_ids()
    _remove_container(replica)
    # Plain `up` trusts the state, so it cannot recreate the container: it must say so and name the fix,
    # at once rather than after the formation's timeout, and change nothing.
    with pytest.raises(auto.CommandError) as plain_up:
        faults.up(f"drift: replica {replica} removed, plain up (fails fast)")
    assert f"the container of {replica} no longer exists" in str(plain_up.value)
    assert "pulumi up --refresh" in str(plain_up.value)
    result = faults.up(f"drift: replica {replica} removed, up --refresh", refresh=True)
    assert changes(result).get("create", 0) >= 1  # the container, recreated
    assert faults.container_ids()[replica] != before[replica]
    view = faults.view
    assert not view.myself(replica).is_master
    assert masters.get(view.myself(replica).master) == followed
    faults.assert_whole()


def test_a_master_removed_by_hand_fails_over_then_rejoins_and_takes_its_role_back(faults):
    """Its replica takes over; `up --refresh` recreates it, it rejoins as that replica's replica and its roll
    step gives it the planned role back (a coordinated failover, no write lost)."""
    view = faults.view
    master = sorted(view.masters())[0]
    probe = next(key for key in faults.keys if view.owner_of(key) == master)
    _remove_container(master)
    failover = wait_until(
        "a replica takes over", lambda: missing_keys(view, {probe: faults.keys[probe]}), RECOVERY_LIMIT_SECONDS
    )
    print(f"TIMING drift: master {master} removed -> its keys readable again (failover): {failover:.1f}s")
    faults.up(f"drift: master {master} removed, up --refresh", refresh=True)
    assert faults.view.myself(master).is_master, f"{master} did not take its planned role back"
    faults.assert_whole()


# --- Restarts ------------------------------------------------------------------------------------------


def test_every_node_restarted_at_once_comes_back_with_every_key(faults):
    faults.write_keys()
    names = faults.view.names

    def restart(name: str) -> None:
        with engine.client() as client:
            client.api.restart(name, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(restart, names))
    took = wait_until("the cluster after restarting every node", faults.problems, RECOVERY_LIMIT_SECONDS)
    print(f"TIMING every node restarted at once -> cluster ok with every key: {took:.1f}s")
    faults.assert_whole()


# --- Bad input -----------------------------------------------------------------------------------------

BAD_SETTINGS = [  # (config key, value, the setting the message must name)
    ("redis", {"masters": "three"}, "redis.masters"),
    ("redis", {"masters": 2}, "redis.masters"),
    ("redis", {"replicasPerMaster": -1}, "redis.replicasPerMaster"),
    ("redis", {"network": {"subnet": "10.38.0.0/33"}}, "redis.network.subnet"),
    ("redis", {"network": {"subnet": "10.38.0.0/29"}}, "redis.network.subnet"),
    ("redis", {"network": {"subnet": "172.17.0.0/24"}}, "redis.network.subnet"),  # the engine's bridge
    ("redis", {"bindAddress": "300.1.1.1"}, "redis.bindAddress"),
    ("redis", {"bindAddress": "224.0.0.1"}, "redis.bindAddress"),
    ("redis", {"bindAddress": "10.99.99.99"}, "redis.bindAddress"),  # not an address of the engine's host
    ("redis", {"basePort": 65530}, "redis.basePort"),
    ("redis", {"firstHostOffset": 0}, "redis.firstHostOffset"),
    ("redis", {"restartPolicy": "sometimes"}, "redis.restartPolicy"),
    ("redis", {"nodeTimeoutMs": 10}, "redis.nodeTimeoutMs"),
    ("redis", {"auth": "maybe"}, "redis.auth"),
    ("redis", {"formationTimeoutSeconds": 1}, "redis.formationTimeoutSeconds"),
    ("redis", {"master": 4}, "redis.master"),
    ("redis", {"network": {"subnett": "10.38.0.0/24"}}, "redis.network.subnett"),
    ("redisImage", "Redis:Latest!", "redisImage"),
    ("redisImag", "redis:7.4", "redisImag"),  # a mistyped key of the stack's own namespace
    ("redisPassword", "has a space", "redisPassword"),
    ("redisPassword", 'say"cheese', "redisPassword"),
]


def bad_settings(base_port: int) -> List[Tuple[str, Any, str]]:
    """BAD_SETTINGS, and bus ports that overlap the client ports: a `redis` value is set over the run's
    settings, so basePort stays the run's `base_port`."""
    return BAD_SETTINGS + [("redis", {"busBasePort": base_port + 2}, "redis.busBasePort")]


@contextmanager
def _config_set(faults: Faults, key: str, value: Any) -> Iterator[None]:
    """`key` set to `value` for the block, then back to what it was (the test image, or unset)."""
    qualified = f"docker-networking:{key}"
    try:
        original: Optional[auto.ConfigValue] = faults.stack.get_config(qualified)
    except auto.errors.CommandError:
        original = None
    faults.project.set_config(faults.stack, key, value)
    try:
        yield
    finally:
        if original is None:
            faults.project.remove_config(faults.stack, key)
        else:
            faults.project.set_config(faults.stack, key, original)


def test_bad_settings_fail_at_preview_naming_the_setting_and_leave_the_deployment_alone(faults):
    ids_before = faults.container_ids()
    started = time.monotonic()
    cases = bad_settings(faults.run.port_base(STACK))
    for key, value, setting in cases:
        secret = key == "redisPassword"
        with _config_set(faults, key, auto.ConfigValue(value=value, secret=True) if secret else value):
            with pytest.raises(auto.errors.CommandError) as failure:
                faults.stack.preview()
        message = str(failure.value)
        assert f"invalid setting 'docker-networking:{setting}'" in message and "Fix:" in message, message
        if secret:
            assert value not in message
    print(f"TIMING {len(cases)} bad previews: {time.monotonic() - started:.1f}s")
    with _config_set(faults, "redis", {"masters": 2}), pytest.raises(auto.errors.CommandError):
        faults.stack.up()  # `up` refuses too, before touching anything
    assert faults.container_ids() == ids_before
    assert changes(faults.stack.preview()) == {}
    faults.assert_whole()


def test_a_roll_together_with_a_reshape_is_refused_at_preview_with_a_safe_order(faults):
    """A new image rolls the containers one at a time; with replicas 1 -> 0 in the same update, a master
    could be replaced while its only replica is retired: refused before anything is touched."""
    ids_before = faults.container_ids()
    with engine.client() as client:
        rolled = make_rolled_image(client, TEST_IMAGES["redisImage"], faults.run.prefix)
    try:
        with _config_set(faults, "redisImage", rolled), _config_set(faults, "redis", {"replicasPerMaster": 0}):
            for attempt in (faults.stack.preview, faults.stack.up):
                with pytest.raises(auto.errors.CommandError) as failure:
                    attempt()
                message = str(failure.value)
                assert "3x1 -> 3x0" in message and "Safe order: 1)" in message and "image" in message, message
    finally:
        remove_rolled_images(faults.run.prefix)
    assert faults.container_ids() == ids_before
    assert changes(faults.stack.preview()) == {}
    faults.assert_whole()


# --- Scaling -------------------------------------------------------------------------------------------


NODE_SUFFIXES = ("-data", "-roll")  # a node's volume and roll step, beside its container and component


def _node_resources(run: RunIsolation, indexes: Iterable[int]) -> Set[str]:
    """Pulumi's names of the nodes' containers, RedisNode components, volumes and roll steps."""
    return {run.name(f"redis-{i}{suffix}") for i in indexes for suffix in ("", *NODE_SUFFIXES)}


def _preview_steps(faults: Faults) -> Recorded:
    recorded = Recorded()
    faults.stack.preview(on_event=recorded)
    return recorded


def _resize(faults: Faults, settings: Mapping[str, Any], added: Set[str], removed: Set[str]) -> None:
    faults.write_keys()
    faults.set_redis(settings)
    planned = _preview_steps(faults)
    print(f"preview of {settings}: {planned.steps}")
    assert planned.names("create") == added and planned.names("delete") == removed
    formation = faults.run.name(FORMATION)
    # The live settings too: nodes added or removed (new container ids) get them applied again; the roll
    # plan records the new shape (no container rolls: nothing is replaced); the teardown the nodes it removes.
    updated = {formation, faults.run.name(LIVE_SETTINGS), faults.run.name(ROLL_PLAN), faults.run.name(TEARDOWN)}
    assert planned.names("update") == updated and not planned.names("replace")
    done = Recorded()
    result, _ = timed(f"scaling to {settings}: up", lambda: faults.stack.up(on_output=print, on_event=done))
    print(f"up of {settings}: {done.steps}")
    assert done.names("create") == added and done.names("delete") == removed
    # The summary counts components too: one RedisNode per node added or removed.
    components_added, components_removed = (
        len({n for n in names if not n.endswith(NODE_SUFFIXES)}) for names in (added, removed)
    )
    assert changes(result) == {
        key: value
        for key, value in {
            "create": len(added) + components_added,
            "delete": len(removed) + components_removed,
            "update": len(updated),
        }.items()
        if value
    }
    if removed:  # slots move off and the nodes are forgotten before their containers go
        assert done.first("update", {formation}) < done.first("delete", removed)
    faults.assert_whole()
    counts = faults.view.slot_counts()
    assert len(counts) == faults.masters and max(counts.values()) - min(counts.values()) <= 1, counts


def test_scaling_masters_three_to_four_moves_slots_to_the_new_master_without_losing_a_key(faults):
    _resize(faults, {"masters": 4}, added=_node_resources(faults.run, [7, 8]), removed=set())


def test_scaling_masters_back_to_three_moves_slots_off_first_then_removes_the_nodes(faults):
    if faults.masters != 4:  # run without the test before it, which leaves four
        _resize(faults, {"masters": 4}, added=_node_resources(faults.run, [7, 8]), removed=set())
    _resize(faults, {"masters": 3}, added=set(), removed=_node_resources(faults.run, [7, 8]))
    faults.assert_no_orphans()


def test_scaling_replicas_one_to_zero_and_back(faults):
    _resize(faults, {"replicasPerMaster": 0}, added=set(), removed=_node_resources(faults.run, [4, 5, 6]))
    faults.assert_no_orphans()
    _resize(faults, {"replicasPerMaster": 1}, added=_node_resources(faults.run, [4, 5, 6]), removed=set())
    faults.project.remove_config(faults.stack, "redis")  # back to the run's settings
    assert changes(faults.stack.preview()) == {}


# --- Destroy after faults ------------------------------------------------------------------------------


def test_destroy_succeeds_when_a_container_was_removed_by_hand_and_leaves_nothing(faults):
    _remove_container(faults.run.name("redis-2"))
    timed("destroy with redis-2 already removed", lambda: faults.stack.destroy(on_output=print))
    assert faults.labelled_engine_objects() == set()
    assert recorded_engine_objects(faults.stack) == set()
