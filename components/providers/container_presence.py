"""Which of a stack's containers no longer exist in the engine (removed outside Pulumi).

Pulumi trusts its state until a refresh: after `docker rm` by hand, a plain `pulumi up` neither sees nor
recreates the container. Providers that wait on containers ask here, so they can say so at once.
"""
from typing import Callable, List, Mapping, Optional


def missing_containers(container_ids: Mapping[str, str], client_factory: Optional[Callable[[], object]] = None,
                       ) -> List[str]:
    """Names whose container id the engine does not know. An engine that cannot be asked hides nothing:
    it returns [] and lets the caller's own wait report the problem."""
    import docker  # imported here: the provider runs in its own process, and is pickled
    import docker.errors
    import requests

    unanswered = (docker.errors.DockerException, requests.RequestException)  # the engine, not the container

    try:
        client = client_factory() if client_factory else docker.from_env()
    except unanswered:
        return []
    missing = []
    try:
        for name, container_id in sorted(container_ids.items()):
            try:
                client.containers.get(container_id)  # type: ignore[attr-defined]
            except docker.errors.NotFound:
                missing.append(name)
            except unanswered:
                pass
    finally:
        client.close()  # type: ignore[attr-defined]
    return missing
