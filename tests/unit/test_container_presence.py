"""missing_containers: which recorded container ids the engine no longer knows, on a fake engine client."""
from typing import Dict, List

import docker.errors
import pytest

from components.providers.container_presence import missing_containers


class FakeContainers:
    def __init__(self, present: Dict[str, str], failing: List[str]) -> None:
        self.present, self.failing = present, failing

    def get(self, container_id: str) -> str:
        if container_id in self.failing:
            raise docker.errors.APIError("engine busy")
        if container_id not in self.present:
            raise docker.errors.NotFound(f"No such container: {container_id}")
        return self.present[container_id]


class FakeClient:
    def __init__(self, present: Dict[str, str], failing: List[str] = ()) -> None:  # type: ignore[assignment]
        self.containers = FakeContainers(present, list(failing))
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_names_only_the_containers_the_engine_does_not_know():
    client = FakeClient({"id-1": "redis-1", "id-3": "redis-3"})
    ids = {"redis-1": "id-1", "redis-2": "id-2", "redis-3": "id-3", "redis-4": "id-4"}
    assert missing_containers(ids, lambda: client) == ["redis-2", "redis-4"]
    assert client.closed


def test_an_engine_error_is_not_taken_for_a_removal():
    client = FakeClient({}, failing=["id-1"])
    assert missing_containers({"redis-1": "id-1"}, lambda: client) == []


def test_an_engine_that_cannot_be_reached_hides_nothing_and_raises_nothing():
    def unreachable() -> FakeClient:
        raise docker.errors.DockerException("Error while fetching server API version")

    assert missing_containers({"redis-1": "id-1"}, unreachable) == []


@pytest.mark.parametrize("ids", [{}, {"redis-1": "id-1"}])
def test_nothing_recorded_or_everything_present_means_nothing_missing(ids):
    assert missing_containers(ids, lambda: FakeClient({"id-1": "redis-1"})) == []


def test_an_engine_that_stops_answering_midway_hides_nothing():
    import requests

    class Restarting(FakeContainers):
        def get(self, container_id: str) -> str:
            raise requests.ConnectionError("Connection aborted")

    client = FakeClient({})
    client.containers = Restarting({}, [])
    assert missing_containers({"redis-1": "id-1"}, lambda: client) == []
