"""Faults on a real engine: running `pulumi up` again repairs the redis stack and loses no key.

One stack (`redis-faults`, the shipped redis settings) goes through an interrupted first `up` (SIGINT, then
the CLI killed outright), drift (a replica's and a master's container removed by hand) and every node
restarted. Each test starts from a whole cluster in its planned state (the `faults` fixture: a test that
failed half-way does not fail the next one); those of an interrupted first `up` start from nothing. Keys
written before (and acknowledged by a replica with WAIT) are checked after every fault. Recovery times are
printed ("TIMING ..."), never asserted: run with `-s` to see them. The stack is deployed as the run isolates
it (node names with the run's prefix, its own subnet and ports), so a person's `redis` stack on the same
engine is neither touched nor counted as this stack's. Bad settings and scaling are in
test_redis_resizing.py, with a stack of its own; the engine itself is restarted in test_engine_restart.py,
on an engine of its own.
"""

import concurrent.futures
import subprocess
import time
from pathlib import Path

import pytest
from pulumi import automation as auto

from harness.waiting import wait_until
from tests.integration import cli_interrupt, engine
from tests.integration.fault_stack import (
    RECOVERY_LIMIT_SECONDS,
    Faults,
    pending_operations,
    recorded_engine_objects,
    remove_container,
)
from tests.integration.redis_checks import changes, missing_keys

pytestmark = pytest.mark.integration

STACK = "redis-faults"
RECOVERY_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "recover_interrupted.py"


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


def test_a_replica_removed_by_hand_is_recreated_and_rejoins_its_master(faults):
    view = faults.view
    masters = {row.node_id: name for name, row in view.masters().items()}
    replica = next(name for name in view.names if not view.myself(name).is_master)
    followed = masters[view.myself(replica).master]
    before = faults.container_ids()
    remove_container(replica)
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
    remove_container(master)
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
