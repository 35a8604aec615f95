"""missing_containers: which recorded container ids the engine no longer knows, on a fake engine."""

import pytest

from components.engine.client import EngineClient
from components.engine.container_presence import missing_containers
from components.engine.endpoint import Endpoint

from .doubles.engine_api import FakeEngine


def test_names_only_the_containers_the_engine_does_not_know(engine: FakeEngine):
    engine.add_container("redis-1", "id-1")
    engine.add_container("redis-3", "id-3")
    ids = {"redis-1": "id-1", "redis-2": "id-2", "redis-3": "id-3", "redis-4": "id-4"}
    assert missing_containers(ids, engine.client) == ["redis-2", "redis-4"]
    assert sorted(engine.calls) == [f"GET /containers/id-{n}/json" for n in (1, 2, 3, 4)]


def test_an_engine_error_is_not_taken_for_a_removal(engine: FakeEngine):
    engine.refuse[("GET", "json")] = (500, "engine busy")
    assert missing_containers({"redis-1": "id-1"}, engine.client) == []


def test_an_engine_that_cannot_be_reached_hides_nothing_and_raises_nothing(tmp_path):
    gone = str(tmp_path / "no-engine.sock")
    assert missing_containers({"redis-1": "id-1"}, lambda: EngineClient(Endpoint(f"unix://{gone}"))) == []


def test_a_docker_host_the_client_cannot_use_hides_nothing(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "npipe:////./pipe/docker_engine")
    assert missing_containers({"redis-1": "id-1"}) == []


def test_a_missing_context_hides_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "does-not-exist")
    assert missing_containers({"redis-1": "id-1"}) == []


@pytest.mark.parametrize("ids", [{}, {"redis-1": "id-1"}])
def test_nothing_recorded_or_everything_present_means_nothing_missing(engine: FakeEngine, ids):
    engine.add_container("redis-1", "id-1")
    assert missing_containers(ids, engine.client) == []
