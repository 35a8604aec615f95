"""harness.cleanup: a run's objects go, a person's stay, on a fake docker-py client (no engine)."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

import docker
import pytest

from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL
from harness.cleanup import CleanupError, is_run_object, main, remove_run_objects

RUN = "it-0a1b2c-"


def labels(prefix: Optional[str], project: bool = True, stack: str = "redis") -> Dict[str, str]:
    found = {STACK_LABEL: stack}
    if project:
        found[PROJECT_LABEL] = PROJECT_VALUE
    if prefix is not None:
        found[NAME_PREFIX_LABEL] = prefix
    return found


@dataclass
class FakeObject:
    kind: str
    name: str
    attrs: Dict[str, Any]
    removed: List[str]  # the engine's record, shared by every object
    fails_with: Optional[Exception] = None

    def remove(self, **options: Any) -> None:
        if self.fails_with is not None:
            raise self.fails_with
        self.removed.append(f"{self.kind}:{self.name}")


@dataclass
class FakeCollection:
    objects: List[FakeObject]
    listed_with: List[Mapping[str, Any]] = field(default_factory=list)

    def list(self, **options: Any) -> List[FakeObject]:
        self.listed_with.append(options)
        return list(self.objects)


class FakeClient:
    """What remove_run_objects uses of docker.DockerClient. It ignores filters on purpose: the
    cleanup must decide by the labels itself, whatever the engine hands back."""

    def __init__(self) -> None:
        self.removed: List[str] = []
        self.containers = FakeCollection([])
        self.networks = FakeCollection([])
        self.volumes = FakeCollection([])

    def add(
        self, kind: str, name: str, object_labels: Mapping[str, str], fails_with: Optional[Exception] = None
    ) -> None:
        # Containers listed in full carry their labels under Config, networks and volumes at the top.
        attrs = {"Config": {"Labels": dict(object_labels)}} if kind == "containers" else {"Labels": dict(object_labels)}
        getattr(self, kind).objects.append(FakeObject(kind[:-1], name, attrs, self.removed, fails_with))


@pytest.fixture
def engine() -> FakeClient:
    """A person's redis stack, a person's stack deployed with a prefix of their own, this run's and
    another run's objects, and an object of someone else that happens to carry the prefix label."""
    client = FakeClient()
    for kind, name in (("containers", "redis-1"), ("networks", "redis"), ("volumes", "redis-1-data")):
        client.add(kind, name, labels(None))
        client.add(kind, f"dev-{name}", labels("dev-"))
        client.add(kind, f"{RUN}{name}", labels(RUN))
        client.add(kind, f"bench-ffffff-{name}", labels("bench-ffffff-"))
    client.add("containers", f"{RUN}not-ours", labels(RUN, project=False))
    return client


def test_a_runs_cleanup_removes_its_objects_containers_first_and_nothing_else(engine):
    removed = remove_run_objects(RUN, client=engine)
    assert removed == {"containers": [f"{RUN}redis-1"], "networks": [f"{RUN}redis"], "volumes": [f"{RUN}redis-1-data"]}
    assert engine.removed == [f"container:{RUN}redis-1", f"network:{RUN}redis", f"volume:{RUN}redis-1-data"]


def test_the_engine_is_asked_for_the_runs_label_only(engine):
    remove_run_objects(RUN, client=engine)
    expected = [f"{PROJECT_LABEL}={PROJECT_VALUE}", f"{NAME_PREFIX_LABEL}={RUN}"]
    for collection in (engine.containers, engine.networks, engine.volumes):
        assert [options["filters"] for options in collection.listed_with] == [{"label": expected}]


def test_without_a_prefix_every_runs_leftovers_go_and_a_persons_stacks_stay(engine):
    removed = remove_run_objects(client=engine)
    assert removed["containers"] == [f"{RUN}redis-1", "bench-ffffff-redis-1"]
    assert removed["networks"] == [f"{RUN}redis", "bench-ffffff-redis"]
    assert removed["volumes"] == [f"{RUN}redis-1-data", "bench-ffffff-redis-1-data"]
    assert not [name for name in engine.removed if name.split(":")[1].startswith(("redis", "dev-"))]


@pytest.mark.parametrize("prefix", ["dev-", "", "redis", "it-0a1b2c"])
def test_a_prefix_that_is_no_runs_is_refused_before_anything_is_removed(engine, prefix):
    with pytest.raises(ValueError, match="a person's objects are never cleaned"):
        remove_run_objects(prefix, client=engine)
    assert engine.removed == [] and engine.containers.listed_with == []


def test_an_object_already_gone_is_no_error(engine):
    engine.add("volumes", f"{RUN}redis-2-data", labels(RUN), fails_with=docker.errors.NotFound("no such volume"))
    removed = remove_run_objects(RUN, client=engine)
    assert removed["volumes"] == [f"{RUN}redis-1-data"]


def test_an_object_that_cannot_go_is_named_after_the_rest_were_removed(engine):
    busy = docker.errors.APIError("conflict", explanation="network has active endpoints")
    engine.add("networks", f"{RUN}mynet", labels(RUN, stack="mynet"), fails_with=busy)
    with pytest.raises(CleanupError, match=f"network {RUN}mynet: network has active endpoints"):
        remove_run_objects(RUN, client=engine)
    assert f"volume:{RUN}redis-1-data" in engine.removed  # it went on past the failure


@pytest.mark.parametrize(
    "object_labels, prefix, expected",
    [
        (labels(RUN), RUN, True),
        (labels(RUN), None, True),
        (labels("bench-ffffff-"), RUN, False),
        (labels("bench-ffffff-"), None, True),
        (labels("soak-ffffff-"), None, True),  # make soak's runs: make clean removes their leftovers
        (labels("dev-"), None, False),  # a person's prefixed stack
        (labels(None), None, False),  # a person's stack
        (labels(RUN, project=False), RUN, False),
        (None, None, False),
    ],
)
def test_what_counts_as_a_runs_object(object_labels, prefix, expected):
    assert is_run_object(object_labels, prefix) is expected


def test_the_command_refuses_a_persons_prefix_with_a_message(capsys):
    assert main(["cleanup", "dev-"]) == 1
    assert "'dev-' is not a test, benchmark or soak run's prefix" in capsys.readouterr().err
