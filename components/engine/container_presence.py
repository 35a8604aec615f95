"""Which of a stack's containers no longer exist in the engine (removed outside Pulumi).

Pulumi trusts its state until a refresh: after `docker rm` by hand, a plain `pulumi up` neither sees nor
recreates the container. Providers that wait on containers ask here, so they can say so at once.
"""

from typing import Callable, List, Mapping

from components.engine.client import EngineClient, EngineError, EngineUnreachable, NotFound
from components.errors import ConfigError


def missing_containers(
    container_ids: Mapping[str, str], client_factory: Callable[[], EngineClient] = EngineClient
) -> List[str]:
    """Names whose container id the engine does not know. An engine that cannot be asked hides nothing:
    it returns [] and lets the caller's own wait report the problem."""
    try:
        client = client_factory()
    except ConfigError:  # a DOCKER_HOST or context the client cannot use: the program's own check names it
        return []
    missing = []
    with client:
        for name, container_id in sorted(container_ids.items()):
            try:
                client.container(container_id)
            except NotFound:
                missing.append(name)
            except (EngineUnreachable, EngineError):
                pass  # the engine, not the container: no conclusion
    return missing
