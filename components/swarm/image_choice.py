"""For scripts/select_images.sh, before `make up|preview` of a Swarm stack that names no image: the public
default when the Swarm's nodes have it or can pull it, else the local image when they all have it (`make
swarm-up` loads it into each), else neither.

The nodes asked are the Swarm's ready nodes whose engines this shell names: the manager (DOCKER_HOST) and
those of DOCKER_NETWORKING_SWARM_HOSTS (`make -s swarm-env` exports the local Swarm's). When DOCKER_HOST
names no Swarm manager, or no engine answers there, the default stays: the program names that problem.

    python -m components.swarm.image_choice PUBLIC LOCAL
        exit 0: prints the image to use, and on a second line why it is not PUBLIC (empty when it is)
        exit 3: prints why neither will do
"""

import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Sequence

from components.engine.client import EngineClient, EngineUnreachable
from components.errors import ConfigError
from components.swarm import facts as swarm_facts
from components.swarm.images import look_for_image, missing_problem

SWARM_HOSTS_VARIABLE = "DOCKER_NETWORKING_SWARM_HOSTS"
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


def swarm_hosts(environ: Mapping[str, str]) -> Dict[str, str]:
    """`dn-swarm1=unix:///...,dn-swarm2=...` -> {hostname: engine address}."""
    pairs = (item.split("=", 1) for item in environ.get(SWARM_HOSTS_VARIABLE, "").split(",") if "=" in item)
    return {hostname: host for hostname, host in pairs}


def main(argv: List[str]) -> int:
    public, local = argv
    try:
        engines = {
            hostname: swarm_facts.engine_client_for(SWARM_HOSTS_VARIABLE, host)
            for hostname, host in swarm_hosts(os.environ).items()
        }
        swarm = swarm_facts.default_swarm(engines)
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
