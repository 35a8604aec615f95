"""Whether the Swarm nodes that will run a stack's tasks can get its image, asked before anything is created.

A task's node pulls the image by name when the task starts and, when the pull fails, runs the image it
has: a node can run the task when its engine has the image or the image's registry answers that engine.
Otherwise the task stays `Preparing` on its node, retrying the pull (as Docker 29.8.1 does here), and
pulumi-docker says so only when its convergence timeout (3 minutes) is over; this check says it at once,
naming the image, the nodes and the fix.

Only the engines the stack reaches can be asked (the manager through DOCKER_HOST, the nodes of the stack's
`nodeEngines`, and those `make -s swarm-env` exports): the nodes left are named in a warning as not
checked. A registry that has not answered an engine within REGISTRY_TIMEOUT_SECONDS counts as not
answering, and the nodes are asked side by side, so the whole check takes about that long at most.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import pulumi

from components.engine.client import EngineClient, EngineError, EngineUnreachable, NotFound
from components.errors import ConfigError
from components.images.names import validate_image_name

# An engine with no route to a registry says so in well under a second (measured here: 0.02-0.5 s); one
# that waits on a registry that does not answer would hold the preview for minutes.
REGISTRY_TIMEOUT_SECONDS = 5.0
SWARM_UP = "sudo make swarm-up"


@dataclass(frozen=True)
class ImageOnNode:
    """What one node's engine said of the image: it has it, or its registry serves it, or why not; or
    that the engine itself did not answer (`engine_problem`), so nothing is known of the image there."""

    hostname: str
    present: bool = False
    pullable: bool = False
    registry_problem: str = ""  # the engine's explanation when the registry gave nothing
    engine_problem: str = ""

    @property
    def usable(self) -> bool:
        return self.present or self.pullable


@dataclass(frozen=True)
class NodeImages:
    """The image on the nodes that run tasks: what each engine asked said, and the nodes with no engine to
    ask (`unchecked`)."""

    image: str
    asked: Tuple[ImageOnNode, ...]
    unchecked: Tuple[str, ...] = ()

    @property
    def missing(self) -> Tuple[ImageOnNode, ...]:
        return tuple(node for node in self.asked if not node.usable and not node.engine_problem)

    @property
    def unanswered(self) -> Tuple[ImageOnNode, ...]:
        return tuple(node for node in self.asked if node.engine_problem)


def image_on_engine(
    client: EngineClient, hostname: str, image: str, timeout: float = REGISTRY_TIMEOUT_SECONDS
) -> ImageOnNode:
    """The engine's own copy first (a local image has no registry); else its registry, pulling nothing."""
    try:
        client.image(image)
        return ImageOnNode(hostname, present=True)
    except NotFound:
        pass
    try:
        client.registry_descriptor(image, timeout)
        return ImageOnNode(hostname, pullable=True)
    except EngineError as error:  # refused, unreachable or too slow: the task could not pull it either
        return ImageOnNode(hostname, registry_problem=error.message)


def look_for_image(
    image: str,
    hostnames: Sequence[str],
    engines: Mapping[str, Callable[[], EngineClient]],
    timeout: float = REGISTRY_TIMEOUT_SECONDS,
) -> NodeImages:
    """`image` on each of `hostnames` whose engine is in `engines` (hostname -> client factory)."""
    reachable = [hostname for hostname in hostnames if hostname in engines]

    def ask(hostname: str) -> ImageOnNode:
        with engines[hostname]() as client:
            try:
                return image_on_engine(client, hostname, image, timeout)
            except EngineUnreachable:  # said as not checked: whether a task can start there is Swarm's to see
                return ImageOnNode(hostname, engine_problem=f"no answer from its engine at {client.endpoint.host}")

    with ThreadPoolExecutor(max_workers=max(1, len(reachable))) as pool:
        asked = tuple(pool.map(ask, reachable))
    return NodeImages(image, asked, tuple(hostname for hostname in hostnames if hostname not in engines))


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _why(missing: Sequence[ImageOnNode]) -> str:
    """The registry's answers, each once: the nodes usually share one reason."""
    by_reason: Dict[str, List[str]] = {}
    for node in missing:
        by_reason.setdefault(node.registry_problem.rstrip("."), []).append(node.hostname)
    if len(by_reason) == 1:
        return next(iter(by_reason))
    return "; ".join(f"{_listed(hostnames)}: {reason}" for reason, hostnames in by_reason.items())


def missing_problem(found: NodeImages) -> str:
    """What is wrong on the nodes of `found` that can neither find nor pull the image."""
    hostnames = [node.hostname for node in found.missing]
    if len(hostnames) == 1:
        nodes, engines = f"Swarm node {hostnames[0]} has", "its engine"
    else:
        nodes, engines = f"Swarm nodes {_listed(hostnames)} have", "their engines"
    return (
        f"{nodes} no image {found.image} and cannot pull it ({engines} asked its registry: {_why(found.missing)}), "
        "so no task of the stack could start there"
    )


def missing_image_error(setting: str, found: NodeImages, local_image: Optional[str] = None) -> ConfigError:
    """The ConfigError for the nodes of `found` that can neither find nor pull the image, with the fix."""
    problem = missing_problem(found)
    key = setting.split(":", 1)[-1]
    if local_image == found.image:
        fix = (
            f"{SWARM_UP} loads {local_image} into every node of the local Swarm; on another Swarm, docker load it there"
        )
    elif local_image:
        fix = (
            f"pulumi config set {key} {local_image} ({SWARM_UP} loads it into every node of the local Swarm), "
            f"or set {setting} to an image those nodes have or can pull"
        )
    else:
        fix = f"set {setting} to an image those nodes have or can pull"
    return ConfigError(setting, problem, fix)


def unchecked_warnings(setting: str, found: NodeImages, engines_setting: str) -> List[str]:
    """What could not be checked, and why: nodes with no engine to ask, and engines that did not answer."""
    warnings = []
    if found.unchecked:
        warnings.append(
            f"{setting}: not checked whether Swarm node(s) {_listed(found.unchecked)} have {found.image} or can "
            f"pull it: the stack does not reach their engines. Name them in {engines_setting} to check them "
            'before anything is created (on the local Swarm, eval "$(make -s swarm-env)" names them all)'
        )
    for node in found.unanswered:
        warnings.append(
            f"{setting}: not checked whether Swarm node {node.hostname} has {found.image} or can pull it: "
            f"{node.engine_problem}"
        )
    return warnings


def check_image_on_nodes(
    setting: str,
    image: str,
    hostnames: Sequence[str],
    engines: Mapping[str, Callable[[], EngineClient]],
    *,
    engines_setting: str,
    local_image: Optional[str] = None,
) -> NodeImages:
    """ConfigError naming the image, the nodes and the fix when a node of `hostnames` (those that run a
    task) neither has `image` nor gets it from its registry; warnings name the nodes not checked."""
    validate_image_name(setting, image)  # before an engine is asked about it
    found = look_for_image(image, hostnames, engines)
    if found.missing:
        raise missing_image_error(setting, found, local_image)
    for warning in unchecked_warnings(setting, found, engines_setting):
        pulumi.log.warn(warning)
    return found
