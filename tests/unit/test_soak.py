"""The soak's pure parts: windows, per-event figures and their JSON, rounds added up, targets, the stack
targets and the events each runs; and the load client against a fake cluster client."""

import json
import subprocess
import time
from typing import Dict, List, Optional

import pytest

from components.redis.model.run_script import render_run_script
from harness.local_swarm import LocalSwarm
from harness.redis_view import RedisView
from harness.swarm_redis_view import SwarmRedisView
from soak.events import BY_NAME, EXPECTED, events_for
from soak.load import LoadClient, LoadSettings, value_of
from soak.report import EventReport, WriteRecord, event_report, longest_gap, merge, table, window
from soak.runner import published
from soak.stack import config_paths
from soak.stack_target import OneEngine
from soak.swarm_target import OnSwarm
from soak.targets import ANNOUNCED_FAILOVER, DETECTED_FAILOVER, Expectation, misses

SHARDS = [[(0, 5460)], [(5461, 10922)], [(10923, 16383)]]


def record(acks, wait=False, started=0.0, stopped=10.0, lost=0, failed=0) -> WriteRecord:
    return WriteRecord(
        wait=wait,
        started=started,
        stopped=stopped,
        attempted=len(acks) + failed,
        acknowledged_at=acks,
        failed=failed,
        lost=lost,
        reads=len(acks),
        reads_wrong=0,
        errors={"ConnectionError": failed} if failed else {},
    )


def report(event="master-stopped", wait=False, lost=0, window_s=1.0, failed=0) -> EventReport:
    return EventReport(
        event=event,
        wait=wait,
        attempted=100 + failed,
        acknowledged=100,
        failed=failed,
        lost=lost,
        window_s=window_s,
        reads=100,
        reads_wrong=0,
        duration_s=20.0,
        node_timeout_s=5.0,
        errors={"ConnectionError": failed} if failed else {},
        toolchain="toolchain: test",
    )


def test_longest_gap_counts_before_the_first_and_after_the_last_write():
    assert longest_gap([2.0, 3.0, 9.0], 0.0, 10.0) == pytest.approx(6.0)
    assert longest_gap([1.0, 9.5], 0.0, 10.0) == pytest.approx(8.5)
    assert longest_gap([], 1.0, 4.0) == pytest.approx(3.0)  # never succeeded: the whole time
    assert longest_gap([0.5, 20.0], 0.0, 10.0) == pytest.approx(9.5)  # outside the run: ignored


def test_the_window_is_the_longest_gap_of_any_one_shard():
    # Shard 0 (slot 100) stops at 2 s and comes back at 9 s; the others write on all along.
    acks = [(t / 10, slot) for t in range(0, 101) for slot in (6000, 12000)]
    acks += [(t / 10, 100) for t in range(0, 21)] + [(t / 10, 100) for t in range(90, 101)]
    assert window(sorted(acks), 0.0, 10.0, SHARDS) == pytest.approx(7.0)
    # All shards together would hide it: writes went on somewhere every 0.1 s.
    assert longest_gap([t for t, _ in acks], 0.0, 10.0) == pytest.approx(0.1)


def test_a_shard_that_never_got_a_write_waited_the_whole_run_and_unknown_slots_count_too():
    acks = [(t / 10, slot) for t in range(0, 101) for slot in (100, 6000)]
    assert window(acks, 0.0, 10.0, SHARDS) == pytest.approx(10.0)
    assert window([(1.0, 10), (2.0, 100)], 0.0, 10.0, [[(0, 50)]]) == pytest.approx(9.0)  # slot 100 is in none


def test_the_event_report_has_the_issues_fields_as_one_json_object():
    acks = [(t / 10, slot) for t in range(1, 100) for slot in (1, 6000, 12000)]
    made = event_report("master-killed", record(acks, wait=True, failed=3, lost=1), SHARDS, 5.0, "toolchain: x")
    printed = json.loads(made.to_json())
    for field in ("event", "wait", "attempted", "acknowledged", "failed", "lost", "window_s"):
        assert field in printed
    assert printed["event"] == "master-killed" and printed["wait"] is True
    assert (printed["attempted"], printed["acknowledged"], printed["failed"], printed["lost"]) == (300, 297, 3, 1)
    assert printed["window_s"] == pytest.approx(0.1)
    assert printed["toolchain"] == "toolchain: x" and printed["errors"] == {"ConnectionError": 3}
    assert "\n" not in made.to_json()


def test_rounds_add_up_per_event_and_mode_with_the_longest_window():
    merged = merge(
        [
            report(window_s=1.0, lost=0, failed=2),
            report(window_s=3.0, lost=1, failed=1),
            report(wait=True, window_s=2.0),
            report(event="all-restarted", window_s=4.0),
        ]
    )
    by_key: Dict = {(r.event, r.wait): r for r in merged}
    assert len(merged) == 3
    stopped = by_key[("master-stopped", False)]
    assert (stopped.attempted, stopped.failed, stopped.lost, stopped.window_s) == (203, 3, 1, 3.0)
    assert stopped.errors == {"ConnectionError": 3}
    assert by_key[("master-stopped", True)].window_s == 2.0


def test_targets_name_each_miss_and_only_where_the_issue_sets_one():
    expected = {
        "master-stopped": Expectation(no_loss_when_wait=(True,), window=ANNOUNCED_FAILOVER),
        "master-killed": Expectation(no_loss_when_wait=(), window=DETECTED_FAILOVER),
        "masters-3-4-3": Expectation(),
    }
    assert misses([report(lost=2, window_s=6.9), report(wait=True, window_s=30.0)], expected) == []
    found = misses(
        [
            report(wait=True, lost=1),
            report(window_s=7.5),
            report(event="masters-3-4-3", lost=1),
            report(event="master-killed", lost=5, window_s=10.4),  # no loss target: measured only
            report(event="master-killed", window_s=10.6),
            report(event="replicas-1-0-1", lost=3, window_s=60.0),  # no expectation given here
        ],
        expected,
    )
    assert found == [
        "master-stopped with WAIT 1: 1 of 100 acknowledged writes lost",
        "master-stopped without WAIT: window 7.50s > 1 x node timeout + 2 s (7.0s)",
        "masters-3-4-3 without WAIT: 1 of 100 acknowledged writes lost",
        "master-killed without WAIT: window 10.60s > 1.5 x node timeout + 3 s (10.5s)",
    ]


def test_the_table_has_a_row_per_event_and_mode():
    lines = table([report(), report(wait=True, window_s=12.345)]).splitlines()
    assert lines[0].split()[:3] == ["event", "wait", "attempted"]
    assert "WAIT 1" in lines[2] and "12.35" in lines[2]


def test_settings_become_config_paths():
    paths = dict(config_paths({"namePrefix": "soak-abcdef-", "redis": {"network": {"subnet": "10.200.1.0/24"}}}))
    assert paths == {"namePrefix": "soak-abcdef-", "redis.network.subnet": "10.200.1.0/24"}


class FakeCluster:
    """set/get/close of a RedisCluster; writes fail while `down` is set."""

    def __init__(self) -> None:
        self.data: Dict[str, str] = {}
        self.down = False

    def set(self, key: str, value: str) -> None:
        if self.down:
            raise ConnectionError("down")
        self.data[key] = value

    def get(self, key: str) -> Optional[str]:
        return self.data.get(key)

    def close(self) -> None:
        pass


def test_the_load_client_records_every_acknowledged_write_and_each_failure():
    fake = FakeCluster()
    client = LoadClient(connect=lambda: fake, namespace="t", wait=False, settings=LoadSettings(rate=500))  # type: ignore[arg-type, return-value]
    client.start()
    time.sleep(0.1)
    fake.down = True
    time.sleep(0.1)
    fake.down = False
    time.sleep(0.1)
    client.stop()
    assert client.failed > 0 and len(client.acknowledged) > 0
    assert client.attempted == client.failed + len(client.acknowledged)
    assert all(fake.data[key] == value_of(key) for key in client.acknowledged)
    assert client.reads_wrong == 0 and client.errors["ConnectionError"] == client.failed
    assert [t for t, _ in client.acknowledged_at] == sorted(t for t, _ in client.acknowledged_at)


def test_the_nodes_first_process_is_valid_sh():
    checked = subprocess.run(["sh", "-n"], input=render_run_script(), text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


class FakePipeline:
    def __init__(self, node: "FakeNode") -> None:
        self.node = node
        self.sent: List[tuple] = []

    def execute_command(self, *args):
        self.sent.append(args)

    def set(self, key, value):
        self.sent.append(("SET", key, value))

    def execute(self, raise_on_error=True):
        self.node.received.append(self.sent)
        return [self.node.answer(args) for args in self.sent]


class FakeNode:
    """One node's answers: to SET (an error to return, or OK) and to WAIT (replicas that acknowledged)."""

    def __init__(self, name: str, set_answer: object = True, replicas: int = 1) -> None:
        self.name, self.set_answer, self.replicas = name, set_answer, replicas
        self.received: list = []

    def answer(self, args):
        return {"ASKING": b"OK", "SET": self.set_answer, "WAIT": self.replicas}[args[0]]

    def pipeline(self, transaction=True):
        return FakePipeline(self)


class FakeNodes:
    def __init__(self, cluster: "FakeWaitCluster") -> None:
        self.cluster, self.initialized = cluster, 0

    def remap_host_port(self, host, port):
        return {("10.0.0.2", 6379): ("127.0.0.1", 7002)}.get((host, port), (host, port))

    def initialize(self):
        self.initialized += 1
        self.cluster.owner = self.cluster.moved_to or self.cluster.owner


class FakeWaitCluster:
    """What set_and_wait uses of a RedisCluster: the slot owner, nodes by address, the nodes manager."""

    def __init__(self, owner: FakeNode, others: Dict[tuple, FakeNode], moved_to: Optional[FakeNode] = None):
        self.owner, self.others, self.moved_to = owner, others, moved_to
        self.nodes_manager = FakeNodes(self)

    def get_node_from_key(self, key):
        return self.owner

    def get_node(self, host=None, port=None):
        return self.others.get((host, port))

    def get_redis_connection(self, node):
        return node


def test_set_and_wait_sends_set_and_wait_on_one_connection_and_needs_a_replica():
    from soak.replicated_write import NotReplicated, set_and_wait

    node = FakeNode("a")
    set_and_wait(FakeWaitCluster(node, {}), "k", "v", replicas=1, timeout_ms=500)  # type: ignore[arg-type]
    assert node.received == [[("SET", "k", "v"), ("WAIT", 1, 500)]]
    with pytest.raises(NotReplicated):
        set_and_wait(FakeWaitCluster(FakeNode("b", replicas=0), {}), "k", "v", 1, 500)  # type: ignore[arg-type]


def test_set_and_wait_follows_ask_to_the_remapped_node_and_moved_after_a_new_slot_map():
    from redis.exceptions import AskError, MovedError

    from soak.replicated_write import set_and_wait

    importing = FakeNode("importing")
    migrating = FakeNode("migrating", set_answer=AskError("3999 10.0.0.2:6379"))
    set_and_wait(FakeWaitCluster(migrating, {("127.0.0.1", 7002): importing}), "k", "v", 1, 500)  # type: ignore[arg-type]
    assert importing.received == [[("ASKING",), ("SET", "k", "v"), ("WAIT", 1, 500)]]

    new_owner = FakeNode("new")
    old_owner = FakeNode("old", set_answer=MovedError("3999 10.0.0.3:6379"))
    cluster = FakeWaitCluster(old_owner, {}, moved_to=new_owner)
    set_and_wait(cluster, "k", "v", 1, 500)  # type: ignore[arg-type]
    assert cluster.nodes_manager.initialized == 1 and new_owner.received == [[("SET", "k", "v"), ("WAIT", 1, 500)]]


# --- the swarm target and its event -------------------------------------------------------------------

SWARM = LocalSwarm(
    manager_host="unix:///run/docker-networking/swarm/node1.sock",
    hosts={f"dn-swarm{n}": f"unix:///run/docker-networking/swarm/node{n}.sock" for n in (1, 2, 3)},
    addresses={f"dn-swarm{n}": f"10.199.40.1{n}" for n in (1, 2, 3)},
)


def test_the_host_stopped_is_one_with_a_master_and_never_the_manager():
    masters = {"r-1": "10.199.40.11", "r-2": "10.199.40.12", "r-3": "10.199.40.13"}
    assert SWARM.manager == "dn-swarm1"
    assert SWARM.host_to_stop(masters) == ("r-2", "dn-swarm2")
    # After a failover two masters may share a host; the manager's is never the one.
    assert SWARM.host_to_stop({"r-1": "10.199.40.11", "r-6": "10.199.40.13"}) == ("r-6", "dn-swarm3")
    with pytest.raises(RuntimeError, match="other than the manager dn-swarm1"):
        SWARM.host_to_stop({"r-1": "10.199.40.11"})


def test_clients_start_from_the_published_addresses_of_the_address_map():
    one_engine = RedisView(
        password="p",
        nodes={},
        address_map={("10.200.1.12", 6379): ("127.0.0.1", 20012), ("10.200.1.11", 6379): ("127.0.0.1", 20011)},
    )
    assert published(one_engine) == [("127.0.0.1", 20011), ("127.0.0.1", 20012)]
    # On the Swarm each node is reached where it announces itself: its host's address and its own port.
    on_swarm = RedisView(password="p", nodes={}, address_map={("10.199.40.12", 20012): ("10.199.40.12", 20012)})
    assert published(on_swarm) == [("10.199.40.12", 20012)]


def test_the_swarm_target_deploys_through_the_manager_with_every_nodes_engine():
    target = OnSwarm(SWARM)
    assert target.stack == "swarm" and target.env() == {"DOCKER_HOST": SWARM.manager_host}
    assert target.settings() == {"swarm": {"nodeEngines": SWARM.hosts}}
    view = target.view("p", {"r-1": {"ip": "10.199.40.11", "hostPort": 20011}}, {})
    assert isinstance(view, SwarmRedisView) and view.names == ["r-1"]


def test_each_target_finds_the_nodes_the_run_did_not_place():
    redis = {"network": {"subnet": "10.200.1.0/24"}, "basePort": 20010}
    placed = {"r-1": {"ip": "10.200.1.11", "hostPort": 20011}, "r-2": {"ip": "10.38.0.12", "hostPort": 6372}}
    assert OneEngine().misplaced(placed, redis) == ["r-2"]
    on_swarm = {
        "r-1": {"ip": "10.199.40.11", "hostPort": 20011},
        "r-2": {"ip": "10.199.40.12", "hostPort": 6372},  # the shipped ports: a setting lost
        "r-3": {"ip": "10.40.0.13", "hostPort": 20013},
    }
    assert OnSwarm(SWARM).misplaced(on_swarm, redis) == ["r-2", "r-3"]


def test_each_stack_runs_its_own_events_and_says_which_it_leaves_out():
    said: List[str] = []
    on_swarm = events_for("", "swarm", root=True, reach="announced", say=said.append)
    assert [event.name for event in on_swarm] == ["swarm-host-stopped"]
    assert said and "master-stopped" in said[0] and "swarm-host-stopped" not in said[0]
    on_redis = [event.name for event in events_for("", "redis", root=False, reach="published", say=said.append)]
    assert "swarm-host-stopped" not in on_redis and "master-killed-replica-behind" not in on_redis
    assert "master-killed" in on_redis
    said.clear()
    assert events_for("master-stopped,swarm-host-stopped", "swarm", True, "announced", said.append) == [
        BY_NAME["swarm-host-stopped"]
    ]
    assert said == ["not on the swarm stack (another stack's events): master-stopped"]


def test_a_stopped_swarm_host_keeps_every_write_with_wait_within_redis_failure_detection():
    expected = {"swarm-host-stopped": EXPECTED["swarm-host-stopped"]}
    event = "swarm-host-stopped"
    assert misses([report(event, lost=3, window_s=10.4), report(event, wait=True, window_s=40.0)], expected) == []
    assert misses([report(event, wait=True, lost=1), report(event, window_s=10.6)], expected) == [
        "swarm-host-stopped with WAIT 1: 1 of 100 acknowledged writes lost",
        "swarm-host-stopped without WAIT: window 10.60s > 1.5 x node timeout + 3 s (10.5s)",
    ]


# --- issue 22: the day-2 events, the reach, the absolute window ----------------------------------------

DAY_TWO = ("setting-changed", "image-rolled", "ports-rolled")


def test_the_day_two_events_run_on_the_redis_stack_and_the_port_change_only_with_announced_reach():
    said: List[str] = []
    published_reach = [event.name for event in events_for("", "redis", root=True, reach="published", say=said.append)]
    assert "setting-changed" in published_reach and "image-rolled" in published_reach
    assert "ports-rolled" not in published_reach
    assert said == [
        "not on the redis stack (another stack's events): swarm-host-stopped",
        "ports-rolled: left out, it needs --reach announced: its nodes' published ports change, which cut off a "
        "client that reaches them there",
    ]
    said.clear()
    announced = events_for(",".join(DAY_TWO), "redis", root=False, reach="announced", say=said.append)
    assert [event.name for event in announced] == list(DAY_TWO) and said == []
    # On the Swarm they are another stack's events, whatever the reach.
    assert events_for(",".join(DAY_TWO), "swarm", root=True, reach="announced", say=said.append) == []
    assert all(BY_NAME[name].stacks == ("redis",) for name in DAY_TWO)


def test_the_soak_command_takes_the_reach_for_the_redis_stack():
    from soak.__main__ import TARGETS, parse

    assert parse([]).reach == "published"
    assert TARGETS["redis"](parse(["--reach", "announced"])) == OneEngine(reach="announced")
    with pytest.raises(SystemExit):
        parse(["--reach", "direct"])
    with pytest.raises(ValueError, match="reach 'direct'"):
        OneEngine(reach="direct")
    assert OnSwarm(SWARM).reach == "announced"  # published where it announces: nothing to choose


def test_with_announced_reach_the_load_starts_from_and_stays_on_the_container_addresses():
    address_map = {("10.200.1.12", 6379): ("127.0.0.1", 20012), ("10.200.1.11", 6379): ("127.0.0.1", 20011)}
    nodes = {"r-1": {"ip": "10.200.1.11", "hostPort": 20011}}
    announced = OneEngine(reach="announced").view("p", nodes, address_map)
    assert announced.address_map == {
        ("10.200.1.11", 6379): ("10.200.1.11", 6379),
        ("10.200.1.12", 6379): ("10.200.1.12", 6379),
    }
    assert published(announced) == [("10.200.1.11", 6379), ("10.200.1.12", 6379)]
    assert OneEngine().view("p", nodes, address_map).address_map == address_map  # published: as the stack says


def test_a_day_two_change_may_wait_1_s_at_most_in_the_modes_it_names_and_lose_nothing():
    from soak.targets import DAY_TWO_WINDOW_S

    assert DAY_TWO_WINDOW_S == 1.0
    expected = {name: EXPECTED[name] for name in DAY_TWO}
    assert misses([report(name, window_s=1.0) for name in DAY_TWO], expected) == []
    # A roll's replica replaced: no WAIT 1 for its master until the new one synced, measured only.
    assert misses([report("image-rolled", wait=True, window_s=6.0)], expected) == []
    assert misses([report("ports-rolled", wait=True, window_s=6.0)], expected) == []
    found = misses(
        [
            report("setting-changed", wait=True, window_s=1.2),  # a live setting: both modes bounded
            report("setting-changed", window_s=1.01),
            report("image-rolled", window_s=1.5),
            report("ports-rolled", wait=True, lost=1),
            report("ports-rolled", lost=2),
        ],
        expected,
    )
    assert found == [
        "setting-changed with WAIT 1: window 1.20s > 1 s",
        "setting-changed without WAIT: window 1.01s > 1 s",
        "image-rolled without WAIT: window 1.50s > 1 s",
        "ports-rolled with WAIT 1: 1 of 100 acknowledged writes lost",
        "ports-rolled without WAIT: 2 of 100 acknowledged writes lost",
    ]


def test_an_absolute_window_does_not_depend_on_the_node_timeout_and_adds_to_a_relative_one():
    both = Expectation(no_loss_when_wait=(), window=ANNOUNCED_FAILOVER, max_window_s=2.0)
    assert both.window_limit(5.0) == 7.0
    assert misses([report(window_s=1.9)], {"master-stopped": both}) == []
    assert misses([report(window_s=7.5)], {"master-stopped": both}) == [
        "master-stopped without WAIT: window 7.50s > 1 x node timeout + 2 s (7.0s)",
        "master-stopped without WAIT: window 7.50s > 2 s",
    ]


@pytest.mark.parametrize(
    "image, tag",
    [
        ("docker-networking/redis:local", "docker-networking/redis:soak-0a1b2c-rolled"),
        ("redis:7.4", "redis:soak-0a1b2c-rolled"),
        ("redis", "redis:soak-0a1b2c-rolled"),
        ("localhost:5000/team/redis:7", "localhost:5000/team/redis:soak-0a1b2c-rolled"),
        ("localhost:5000/redis", "localhost:5000/redis:soak-0a1b2c-rolled"),
        ("redis:7.4@sha256:" + "a" * 64, "redis:soak-0a1b2c-rolled"),
    ],
)
def test_the_rolled_image_is_a_tag_of_the_run_in_the_images_repository(image, tag):
    from components.images.names import validate_image_name
    from soak.rolled_image import rolled_tag

    assert rolled_tag(image, "soak-0a1b2c-") == tag
    assert validate_image_name("docker-networking:redisImage", tag) == tag  # the stack takes it


class FakeImages:
    def __init__(self) -> None:
        self.ids = {"docker-networking/redis:local": "sha256:original"}

    def get(self, reference: str):
        return type("Image", (), {"id": self.ids[reference]})()


class FakeSource:
    def __init__(self, images: FakeImages) -> None:
        self.images, self.removed = images, False
        self.committed: Dict[str, str] = {}

    def commit(self, repository: str, tag: str, changes: str) -> None:
        self.committed = {"repository": repository, "tag": tag, "changes": changes}
        self.images.ids[f"{repository}:{tag}"] = "sha256:rolled"

    def remove(self, force: bool = False) -> None:
        self.removed = force


class FakeContainers:
    def __init__(self, images: FakeImages) -> None:
        self.images = images
        self.created: List[tuple] = []

    def create(self, image: str, name: str, labels: Dict[str, str]) -> FakeSource:
        source = FakeSource(self.images)
        self.created.append((image, name, labels, source))
        return source


def test_the_rolled_image_is_committed_with_the_runs_label_from_a_container_that_never_started_and_goes():
    from soak.rolled_image import ROLL_LABEL, make_rolled_image

    images = FakeImages()
    client = type("Client", (), {"images": images, "containers": FakeContainers(images)})()
    assert make_rolled_image(client, "docker-networking/redis:local", "soak-0a1b2c-") == (
        "docker-networking/redis:soak-0a1b2c-rolled"
    )
    [(image, name, labels, source)] = client.containers.created
    assert (image, name) == ("docker-networking/redis:local", "soak-0a1b2c-roll-source")
    assert labels["io.docker-networking.name-prefix"] == "soak-0a1b2c-"  # the run's cleanup finds it
    assert source.committed == {
        "repository": "docker-networking/redis",
        "tag": "soak-0a1b2c-rolled",
        "changes": f"LABEL {ROLL_LABEL}=soak-0a1b2c-",
    }
    assert source.removed is True
    # Two tags of one image ID would roll nothing: refused.
    images.ids["docker-networking/redis:local"] = "sha256:rolled"
    with pytest.raises(RuntimeError, match="pulumi up would replace no container"):
        make_rolled_image(client, "docker-networking/redis:local", "soak-0a1b2c-")


def test_only_a_runs_own_rolled_images_are_removed():
    from soak.rolled_image import remove_rolled_images

    with pytest.raises(ValueError, match="not a run's prefix"):
        remove_rolled_images("dev-")


def test_the_second_port_range_is_taken_as_the_runs_own_and_apart_from_it():
    import random

    from harness.isolation import DEFAULT_PORT_COUNT, RunIsolation

    from .doubles.inventory import FakeInventory

    run = RunIsolation(
        prefix="soak-0a1b2c-",
        inventory=FakeInventory(),
        probe_port=lambda port: True,
        engine_ports=lambda: {20011},  # the engine publishes this one already
        ephemeral_low=32768,
        rng=random.Random(3),
    )
    own = run.stack_config("redis", "redis")["redis"]
    own = {key: own[key] for key in ("basePort", "busBasePort")}
    assert run.redis_ports("redis") == own  # the stack's own ports are taken the same way
    moved = run.redis_ports("redis-rolled")
    assert moved == run.redis_ports("redis-rolled")  # the same for every round
    blocks = [range(base, base + DEFAULT_PORT_COUNT + 1) for base in (*own.values(), *moved.values())]
    assert len({port for block in blocks for port in block}) == 4 * (DEFAULT_PORT_COUNT + 1)  # no overlap
    assert all(20011 not in block for block in blocks)


def test_which_containers_an_up_replaced_and_in_what_order():
    from soak.replaced import Container, instant, kept, replaced

    before = {
        n: Container(id=f"old-{n}", image="sha256:a", created="2026-12-02T10:00:00Z") for n in ("r-1", "r-2", "r-3")
    }
    after = {
        "r-1": Container(id="new-1", image="sha256:b", created="2026-12-02T10:00:05.1Z"),  # trailing zeros dropped
        "r-2": before["r-2"],
        "r-3": Container(id="new-3", image="sha256:b", created="2026-12-02T10:00:05.05Z"),
    }
    assert instant("2026-12-02T10:00:05.1Z") > instant("2026-12-02T10:00:05.05Z")
    assert replaced(before, after) == ["r-3", "r-1"] and kept(before, after) == ["r-2"]
    assert replaced(before, before) == [] and kept(before, before) == ["r-1", "r-2", "r-3"]


def test_the_nodes_published_outside_the_ports_asked_for_are_named():
    from soak.day_two import ports_off

    ports = {"basePort": 20100, "busBasePort": 20200}
    nodes = {
        "r-1": {"hostPort": 20101, "busHostPort": 20201},
        "r-2": {"hostPort": 20012, "busHostPort": 20202},  # still on the old range
        "r-3": {"hostPort": 20103, "busHostPort": 20100},
    }
    assert ports_off(nodes, ports) == ["r-2", "r-3"]
