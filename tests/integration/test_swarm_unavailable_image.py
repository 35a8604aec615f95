"""An image that no Swarm node has and no registry serves stops the swarm stack within seconds, naming the
image, the nodes and the fix, with nothing created: at `pulumi preview`, and at `pulumi up` too (the
program checks again on every run), where pulumi-docker would otherwise wait out its services' 3-minute
convergence timeout before saying anything (components/swarm/images.py).

The engines are the local Swarm's (scripts/swarm/swarm.sh); the image's name carries the run's prefix, so
no node has it, and no registry serves it (where a registry answers, it answers that it has no such image).
"""

import time
from typing import Dict, List

import pytest
from pulumi import automation as auto

from components.labels import STACK_LABEL

from .conftest import ProjectWorkspace
from .swarm import LocalSwarm, objects_labelled

pytestmark = pytest.mark.integration

STACK = "swarm-no-image"
SETTING = "docker-networking:redisImage"
# A preview of the swarm stack from nothing takes 4-5 s here, the engines' answers included.
WITHIN_SECONDS = 20


@pytest.fixture(scope="module")
def image(on_swarm: ProjectWorkspace) -> str:
    return f"docker-networking/{on_swarm.run.prefix}absent:never"


@pytest.fixture(scope="module")
def stack(on_swarm: ProjectWorkspace, swarm: LocalSwarm, image: str) -> auto.Stack:
    run = on_swarm.run
    config = {
        "scenario": "swarm",
        "redisImage": image,
        "redis": {
            "network": {"subnet": str(run.subnet(STACK))},
            "basePort": run.port_base(STACK),
            "busBasePort": run.port_base(f"{STACK}-bus"),
        },
        "swarm": {"nodeEngines": swarm.hosts},  # every node's engine is asked
    }
    return on_swarm.stack(STACK, config)


def failure_of(what: str, action) -> str:
    started = time.monotonic()
    with pytest.raises(auto.errors.CommandError) as failed:
        action()
    took = time.monotonic() - started
    print(f"TIMING swarm stack with an image no node can get: pulumi {what} failed after {took:.1f}s")
    assert took < WITHIN_SECONDS, f"pulumi {what} took {took:.1f}s to fail"
    return str(failed.value)


def assert_names_image_nodes_and_fix(message: str, image: str, swarm: LocalSwarm) -> None:
    nodes = sorted(swarm.hosts)
    assert (
        f"invalid setting '{SETTING}': Swarm nodes {', '.join(nodes[:-1])} and {nodes[-1]} have no image {image}"
        in (message)
    )
    assert "Fix: pulumi config set redisImage docker-networking/redis:local (sudo make swarm-up loads it" in message


def stack_objects(swarm: LocalSwarm) -> Dict[str, List[str]]:
    """What carries this stack's label on each node (services, configs and secrets on the manager)."""
    found: Dict[str, List[str]] = {}
    for node in swarm.hosts:
        with swarm.engine(node) as client:
            found[node] = objects_labelled(client, f"{STACK_LABEL}={STACK}")
    return found


def test_preview_stops_within_seconds_naming_image_nodes_and_fix(stack: auto.Stack, swarm: LocalSwarm, image: str):
    message = failure_of("preview", lambda: stack.preview(on_output=print))
    assert_names_image_nodes_and_fix(message, image, swarm)


def test_up_stops_as_fast_and_creates_nothing(stack: auto.Stack, swarm: LocalSwarm, image: str):
    message = failure_of("up", lambda: stack.up(on_output=print))
    assert_names_image_nodes_and_fix(message, image, swarm)
    resources = (stack.export_stack().deployment or {}).get("resources") or []
    assert [r["type"] for r in resources if r["type"] != "pulumi:pulumi:Stack"] == []
    assert stack_objects(swarm) == {node: [] for node in swarm.hosts}
