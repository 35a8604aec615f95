"""The base of the dynamic providers that talk to the Docker engine.

Pulumi pickles a provider into the state, so it holds nothing but code: each operation makes its own
engine client (which resolves DOCKER_HOST or the Docker context then) in a `with` block, which closes
its connections when the operation is done. Tests replace `_client` with a fake engine.
"""

from pulumi.dynamic import ResourceProvider

from components.engine.client import EngineClient


class EngineProvider(ResourceProvider):
    def _client(self) -> EngineClient:
        return EngineClient()
