"""Changes of shape and bad input on a real engine: the redis stack refuses bad settings at preview and a
roll together with a reshape, scales masters 3 -> 4 -> 3 and replicas 1 -> 0 -> 1 without losing a key, and
destroys cleanly after a container was removed by hand.

One stack (`redis-resizing`, the shipped redis settings, as the run isolates it); each test starts from a
whole cluster in its planned state (the `faults` fixture). Keys written before (and acknowledged by a replica
with WAIT) are checked after every change.
"""

import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

import pytest
from pulumi import automation as auto

from harness.isolation import RunIsolation
from soak.rolled_image import make_rolled_image, remove_rolled_images
from tests.integration import engine
from tests.integration.conftest import TEST_IMAGES
from tests.integration.fault_stack import Faults, Recorded, recorded_engine_objects, remove_container
from tests.integration.redis_checks import changes, timed

pytestmark = pytest.mark.integration

STACK = "redis-resizing"
FORMATION = "redis-formation"  # the cluster's child of that name, as run.name gives it
LIVE_SETTINGS = "redis-live-settings"
ROLL_PLAN = "redis-roll-plan"
TEARDOWN = "redis-teardown"


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
    remove_container(faults.run.name("redis-2"))
    timed("destroy with redis-2 already removed", lambda: faults.stack.destroy(on_output=print))
    assert faults.labelled_engine_objects() == set()
    assert recorded_engine_objects(faults.stack) == set()
