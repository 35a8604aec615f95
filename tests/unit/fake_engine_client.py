"""A docker-py client stand-in for the engine providers' unit tests: it hands out a fake low-level API."""
from typing import Any, Type, TypeVar

from components.providers.engine_provider import EngineProvider

P = TypeVar("P", bound=EngineProvider)


class FakeClient:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def on_fake_engine(provider_class: Type[P], api: Any) -> P:
    """The provider with its engine client replaced; the client stays reachable as `provider.client`."""
    provider = provider_class()
    client = FakeClient(api)
    provider.client = client  # type: ignore[attr-defined]
    provider._client = lambda: client  # type: ignore[method-assign]
    return provider
