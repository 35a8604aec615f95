"""RedisTeardown against a fake engine: what a destroy of the whole cluster removes at once, and what not."""

import pytest

from components.redis.resources.teardown import RedisTeardownProvider

from .doubles.engine_api import FakeEngine

OURS = {"io.docker-networking.project": "docker-networking", "io.docker-networking.stack": "redis"}


@pytest.fixture
def on_engine(engine: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    monkeypatch.setenv("DOCKER_HOST", engine.endpoint.host)
    for n in (1, 2):
        engine.add_container(
            f"redis-{n}", f"{n:064x}", labels={**OURS, "io.docker-networking.redis-node": f"redis-{n}"}
        )
        engine.add_volume(f"redis-{n}-data", labels=OURS)
    return engine


def props(containers, volumes):
    return {"clusterName": "redis", "containers": containers, "volumes": volumes, "labels": OURS}


def test_the_delete_removes_the_named_containers_then_their_volumes(on_engine: FakeEngine):
    RedisTeardownProvider().delete("redis-teardown", props(["redis-1", "redis-2"], ["redis-1-data", "redis-2-data"]))
    assert on_engine.containers == {} and on_engine.volumes == {}
    deletes = [call for call in on_engine.calls if call.startswith("DELETE")]
    assert deletes.index("DELETE /volumes/redis-1-data") > max(
        deletes.index(f"DELETE /containers/redis-{n}") for n in (1, 2)
    )


def test_what_is_gone_already_or_not_the_clusters_is_left_alone(on_engine: FakeEngine):
    on_engine.add_container("redis-3", "3" * 64, labels={"io.docker-networking.stack": "someone-elses"})
    on_engine.add_volume("redis-3-data")
    RedisTeardownProvider().delete(
        "redis-teardown", props(["redis-1", "redis-3", "redis-9"], ["redis-1-data", "redis-3-data", "redis-9-data"])
    )
    assert [c["Name"] for c in on_engine.containers.values()] == ["/redis-2", "/redis-3"]
    assert sorted(on_engine.volumes) == ["redis-2-data", "redis-3-data"]


def test_a_change_of_what_it_names_is_an_update_never_a_replacement():
    """A replacement would delete it, and with it the whole cluster."""
    diff = RedisTeardownProvider().diff("id", props(["redis-1"], ["redis-1-data"]), props(["redis-1", "redis-2"], []))
    assert diff.changes and not diff.replaces
    assert not RedisTeardownProvider().diff("id", props(["redis-1"], []), props(["redis-1"], [])).changes
