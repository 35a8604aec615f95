"""The base of the dynamic providers that talk to the Docker engine.

Pulumi pickles a provider into the state, so it holds nothing but code: each call opens its own
docker-py client (honouring DOCKER_HOST) and closes it. Tests replace `_client` with a fake engine.
"""
from typing import Any

from pulumi.dynamic import ResourceProvider


class EngineProvider(ResourceProvider):
    def _client(self) -> Any:
        import docker  # imported here: the provider runs in its own process, and is pickled

        return docker.from_env()
