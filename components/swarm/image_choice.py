"""For scripts/select_images.sh, before `make up|preview` of a Swarm stack that names no image: the public
default when the Swarm's nodes have it or can pull it, else the local image when they all have it (`make
swarm-up` loads it into each), else neither.

The nodes asked are the Swarm's ready nodes whose engines this shell names: the manager (DOCKER_HOST) and
those `make -s swarm-env` exports (components.swarm.facts.LiveSwarm.node_engines). When DOCKER_HOST names
no Swarm manager, or no engine answers there, the default stays: the program names that problem.

    python -m components.swarm.image_choice PUBLIC LOCAL
        exit 0: prints the image to use, and on a second line why it is not PUBLIC (empty when it is)
        exit 3: prints why neither will do
"""

import sys
from dataclasses import dataclass
from typing import Callable, List, Mapping, Sequence

from components.engine.client import EngineClient, EngineUnreachable
from components.errors import ConfigError
from components.swarm import facts as swarm_facts
from components.swarm.images import look_for_image, missing_problem

NEITHER = 3


@dataclass(frozen=True)
class Choice:
    image: str
    why: str = ""  # why not the public image


class NoImage(Exception):
    """Neither image will do on those nodes; the message says where each is missing."""


def choose_image(
    public: str, local: str, hostnames: Sequence[str], engines: Mapping[str, Callable[[], EngineClient]]
) -> Choice:
    found = look_for_image(public, hostnames, engines)
    if not found.missing:
        return Choice(public)
    why = missing_problem(found)
    # The local image is in no registry: only the nodes' own copies count.
    without_local = [node.hostname for node in look_for_image(local, hostnames, engines).asked if not node.present]
    if without_local:
        raise NoImage(f"{why}; and {local} is not on {', '.join(without_local)}")
    return Choice(local, why)


def main(argv: List[str]) -> int:
    public, local = argv
    try:
        swarm = swarm_facts.default_swarm({})
        facts = swarm.facts()
        if not facts.manager:
            print(public)
            return 0
        choice = choose_image(public, local, sorted(facts.ready_nodes()), swarm.node_engines())
    except (ConfigError, EngineUnreachable):
        print(public)  # the program reports what is wrong with the engine, naming the setting
        return 0
    except NoImage as error:
        print(error)
        return NEITHER
    print(choice.image)
    print(choice.why)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
