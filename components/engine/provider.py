"""The base of the dynamic providers that talk to the Docker engine.

Pulumi pickles a provider into the state, so it holds nothing but code: each call makes its own engine
client (which reads DOCKER_HOST then) and the client keeps no connection. Tests replace `_client` with a
fake engine.
"""

from pulumi.dynamic import ResourceProvider

from components.engine.client import EngineClient


class EngineProvider(ResourceProvider):
    def _client(self) -> EngineClient:
        return EngineClient()
