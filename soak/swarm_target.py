"""The soak's `swarm` target: the `swarm` stack on the local three-engine Swarm (harness/local_swarm.py).
The CLI deploys through the manager; each node announces its Swarm host's address and its own port,
which this machine reaches directly (the addressMap maps each to itself); a host is stopped and started
by stopping its whole engine (swarm.sh stop-node / start-node)."""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping

import docker

from harness.cleanup import is_run_object, remove_run_objects, summary
from harness.isolation import DEFAULT_PORT_COUNT
from harness.local_swarm import LocalSwarm, ensure_up
from harness.swarm_redis_view import SwarmRedisView
from soak.stack_target import ANNOUNCED, AddressMap

# What pulumi destroy removes from the manager; removed here only if a failed run left it.
SWARM_KINDS = ("services", "configs", "secrets")  # services first: they use the configs and secrets


@dataclass(frozen=True)
class OnSwarm:
    swarm: LocalSwarm
    stack: str = "swarm"
    reach: str = ANNOUNCED  # each node is published where it announces itself: --reach changes nothing

    def settings(self) -> Dict[str, Any]:
        # With every node's engine known, the data volumes are the stack's (destroyed with it).
        return {"swarm": {"nodeEngines": dict(self.swarm.hosts)}}

    def env(self) -> Dict[str, str]:
        return {"DOCKER_HOST": self.swarm.manager_host}

    def view(self, password: str, nodes: Mapping[str, Mapping[str, Any]], address_map: AddressMap) -> SwarmRedisView:
        return SwarmRedisView(password=password, nodes=nodes, address_map=address_map)

    def misplaced(self, nodes: Mapping[str, Mapping[str, Any]], redis: Mapping[str, Any]) -> List[str]:
        hosts = set(self.swarm.addresses.values())
        ports = range(redis["basePort"] + 1, redis["basePort"] + DEFAULT_PORT_COUNT + 1)
        return [name for name, node in nodes.items() if node["ip"] not in hosts or node["hostPort"] not in ports]

    def remove_leftovers(self, prefix: str) -> str:
        lines = [f"manager: {self._remove_swarm_objects(prefix)}"]
        for hostname in self.swarm.hosts:
            try:
                with self.swarm.engine(hostname) as client:
                    lines.append(f"{hostname}: {summary(remove_run_objects(prefix, client), prefix)}")
            except docker.errors.DockerException as error:  # its engine down: say so, clean the others
                lines.append(f"{hostname}: not reached ({error}); `make swarm-down` removes everything")
        return "\n".join(lines)

    def _remove_swarm_objects(self, prefix: str) -> str:
        removed: Dict[str, List[str]] = {}
        with self.swarm.engine(self.swarm.manager) as client:
            for kind in SWARM_KINDS:
                removed[kind] = []
                for item in getattr(client, kind).list():
                    if is_run_object(item.attrs.get("Spec", {}).get("Labels"), prefix):
                        item.remove()
                        removed[kind].append(item.name)
        return "[cleanup] removed " + ", ".join(f"{len(names)} {kind}" for kind, names in removed.items())

    def stop_host(self, hostname: str) -> None:
        self.swarm.stop_node(hostname)

    def start_host(self, hostname: str) -> None:
        self.swarm.start_node(hostname)


def on_local_swarm() -> OnSwarm:
    """The target on the local Swarm, started first (swarm.sh up, root) when it is not up."""
    return OnSwarm(ensure_up())
