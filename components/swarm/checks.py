"""The checks a Swarm stack runs before anything is created, each a ConfigError naming the setting and
the fix: the engine is a Swarm manager, the Swarm has the nodes the placement names, and an overlay's
subnet is free on every node whose networks are known."""

import ipaddress
from typing import Mapping, Optional

from components.engine.inventory import NetworkInventory, check_subnet_is_free
from components.errors import ConfigError
from components.swarm.facts import SwarmFacts

HOST_SETTING = "DOCKER_HOST"
SWARM_UP_HINT = "make swarm-up starts a three-node Swarm on this machine"


def require_manager(facts: SwarmFacts) -> None:
    """Services, configs, secrets and overlays are created through a manager only."""
    if facts.manager:
        return
    if facts.local_state == "active":
        problem = f"the engine it names ({facts.hostname}) is a Swarm worker, and only a manager creates services"
        fix = "point it at a manager of that Swarm (docker node ls on a manager shows which)"
    else:
        problem = f"the engine it names ({facts.hostname}) is not part of a Swarm (state {facts.local_state})"
        fix = f'point it at a Swarm manager: eval "$(make -s swarm-env)" ({SWARM_UP_HINT}), or docker swarm init'
    raise ConfigError(HOST_SETTING, problem, fix)


def require_nodes(setting: str, placement: Mapping[str, str], facts: SwarmFacts, needed: int) -> None:
    """`placement` (what -> node hostname) names ready nodes, and the Swarm has `needed` of them."""
    ready = facts.ready_nodes()
    if len(ready) < needed:
        raise ConfigError(
            setting,
            f"the placement needs {needed} Swarm nodes and the Swarm has {len(ready)} ready "
            f"({', '.join(sorted(ready)) or 'none'})",
            f"join more nodes (docker swarm join-token worker on the manager prints the command; {SWARM_UP_HINT})",
        )
    for what, hostname in sorted(placement.items()):
        if hostname not in ready:
            raise ConfigError(
                f"{setting}.{what}",
                f"no ready Swarm node has the hostname {hostname!r}",
                f"name one of {', '.join(sorted(ready))} (docker node ls), or leave it out to let the stack choose",
            )


def check_overlay_subnet(
    setting: str,
    name: str,
    subnet: ipaddress.IPv4Network,
    inventories: Mapping[str, NetworkInventory],
    stack: Optional[str] = None,
) -> None:
    """The subnet against the networks of every node in `inventories` (where -> inventory): an overlay's
    addresses exist on every node that runs one of its tasks."""
    for where, inventory in inventories.items():
        try:
            check_subnet_is_free(setting, name, subnet, inventory, stack)
        except ConfigError as error:
            raise ConfigError(error.setting, f"{error.problem}, on {where}", error.fix) from None
