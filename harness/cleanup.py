"""Removes what test and benchmark runs left on the engine, and nothing a person deployed.

    python -m harness.cleanup PREFIX   what the run with that namePrefix labelled
    python -m harness.cleanup          every run's leftovers (prefix label of the form it-, bench- or soak-xxxxxx-)

Only objects that carry the project's label and a run's prefix label are touched; images are kept.
"""

import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import docker

from components.engine.docker_api import docker_client
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE
from harness.isolation import RUN_PREFIX, carries_prefix

KINDS = ("containers", "networks", "volumes")  # in this order: a network or volume in use cannot go


class CleanupError(RuntimeError):
    """Some of the run's objects could not be removed; the message names each and why."""


def is_run_object(labels: Optional[Mapping[str, str]], prefix: Optional[str]) -> bool:
    """The run `prefix`'s object, or with no prefix any run's: never an object without a run's prefix label."""
    if prefix is not None:
        return carries_prefix(labels, prefix)
    value = (labels or {}).get(NAME_PREFIX_LABEL) or ""
    return carries_prefix(labels, value) and RUN_PREFIX.fullmatch(value) is not None


def _labels(item: Any) -> Mapping[str, str]:
    # Containers listed in full keep their labels under Config; networks and volumes at the top.
    attrs = item.attrs
    return attrs.get("Labels") or (attrs.get("Config") or {}).get("Labels") or {}


def _listings(engine: docker.DockerClient, prefix: Optional[str]) -> Dict[str, Callable[[], list]]:
    # The engine narrows by label; is_run_object decides. ignore_removed: a container gone between the
    # listing and its inspection (one removed with the network it was on) is no error.
    prefix_filter = f"{NAME_PREFIX_LABEL}={prefix}" if prefix is not None else NAME_PREFIX_LABEL
    # Typed as docker's containers.list declares its filters (a value is a string, a list or a flag).
    filters: Dict[str, Union[str, List[str], bool]] = {"label": [f"{PROJECT_LABEL}={PROJECT_VALUE}", prefix_filter]}
    return {
        "containers": lambda: engine.containers.list(all=True, filters=filters, ignore_removed=True),
        "networks": lambda: engine.networks.list(filters=filters),
        "volumes": lambda: engine.volumes.list(filters=filters),
    }


REMOVERS: Dict[str, Callable[[Any], None]] = {
    "containers": lambda container: container.remove(force=True, v=True),  # with its anonymous volumes
    "networks": lambda network: network.remove(),
    "volumes": lambda volume: volume.remove(force=True),
}


def remove_run_objects(
    prefix: Optional[str] = None, client: Optional[docker.DockerClient] = None
) -> Dict[str, List[str]]:
    """Containers, then networks, then volumes of the run (or of every run); returns the names removed by
    kind. Goes on past an object it cannot remove and then raises CleanupError naming each one."""
    if prefix is not None and not RUN_PREFIX.fullmatch(prefix):
        raise ValueError(
            f"{prefix!r} is not a test, benchmark or soak run's prefix (it-, bench- or soak-xxxxxx-); "
            "a person's objects are never cleaned"
        )
    engine = client or docker_client()
    removed: Dict[str, List[str]] = {kind: [] for kind in KINDS}
    failures: List[str] = []
    try:
        listings = _listings(engine, prefix)
        for kind in KINDS:
            for item in listings[kind]():
                if not is_run_object(_labels(item), prefix):
                    continue
                try:
                    REMOVERS[kind](item)
                except docker.errors.NotFound:
                    continue  # gone already (a volume removed with its container)
                except docker.errors.APIError as error:
                    failures.append(f"{kind[:-1]} {item.name}: {error.explanation or error}")
                    continue
                removed[kind].append(item.name)
    finally:
        if client is None:
            engine.close()
    if failures:
        raise CleanupError("could not remove: " + "; ".join(failures))
    return removed


def summary(removed: Mapping[str, List[str]], prefix: Optional[str]) -> str:
    counts = ", ".join(f"{len(removed[kind])} {kind}" for kind in KINDS)
    return f"[cleanup] removed {counts}" + (f" of the run {prefix}" if prefix else " left by test and benchmark runs")


def main(argv: List[str]) -> int:
    prefix = argv[1] if len(argv) > 1 else None
    try:
        removed = remove_run_objects(prefix)
    except (ValueError, CleanupError) as error:
        print(f"[cleanup] {error}", file=sys.stderr)
        return 1
    print(summary(removed, prefix), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
