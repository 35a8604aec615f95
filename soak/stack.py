"""The stack the soak runs on: a shipped stack (its target says which: soak/stack_target.py) in a
throw-away project copy, driven by the plain CLI as a person types it, deployed with the run's prefix,
subnet and ports (harness/isolation.py). Container actions (one engine only) go only to containers whose
name carries the run's prefix."""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, TypeVar

import docker

from bench.redis_up import pulumi_cli
from components.engine.docker_api import docker_client
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.settings import IMAGE_SETTING
from components.redis.settings import SETTING as REDIS_SETTING
from components.settings import setting_name
from harness.isolation import RunIsolation
from harness.project_copy import LOCAL_IMAGES, make_project_copy
from harness.redis_view import RedisView
from harness.waiting import wait_until
from soak.replaced import Container
from soak.stack_target import OneEngine, StackTarget

HEAL_TIMEOUT_S = 180
T = TypeVar("T")


def config_paths(config: Mapping[str, Any], prefix: str = "") -> Iterator[Tuple[str, str]]:
    """('redis.network.subnet', '10.200.3.0/24') ... for `pulumi config set-all --path`."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from config_paths(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


@dataclass
class SoakStack:
    root: Path
    env: Dict[str, str]
    name: str  # the Pulumi stack
    prefix: str  # the run's prefix: every node is <prefix>redis-N
    # The stack's whole `redis` setting (the run's subnet and ports among it): a change (the shape, the
    # node timeout, the ports) writes it whole, since `config set --path redis.masters` on a value set as
    # JSON would replace it.
    redis: Mapping[str, Any]
    masters: int = 3
    replicas: int = 1
    node_timeout_s: float = RedisClusterArgs().node_timeout_ms / 1000
    target: StackTarget = field(default_factory=OneEngine)
    image: str = LOCAL_IMAGES["redisImage"]  # the stack's redisImage now
    # The run's, for a second port range (ports-rolled); None where the stack came without it.
    isolation: Optional[RunIsolation] = None

    @classmethod
    def in_copy(cls, workdir: Path, isolation: RunIsolation, image: str, target: StackTarget) -> "SoakStack":
        """A new project copy under `workdir` with the target's stack set up (not yet deployed)."""
        root, env = make_project_copy(workdir, passphrase="soak")
        name = target.stack  # the copy's stack file is the shipped one: its scenario, its defaults
        # Both stacks take the redis setting: the run's subnet and ports go there.
        settings = {"redisImage": image, **isolation.stack_config(name, REDIS_SETTING), **target.settings()}
        stack = cls(
            root=root,
            env={**env, **target.env()},
            name=name,
            prefix=isolation.prefix,
            redis=settings[REDIS_SETTING],
            target=target,
            image=image,
            isolation=isolation,
        )
        stack.cli("stack", "init", name)
        pairs = [arg for path, value in config_paths(settings) for arg in ("--plaintext", f"{path}={value}")]
        stack.cli("config", "set-all", "--path", *pairs)
        return stack

    def cli(self, *args: str) -> str:
        return pulumi_cli(self.root, self.env, *args)

    def up(self, refresh: bool = False) -> str:
        return self.cli("up", "--yes", "-s", self.name, *(["--refresh"] if refresh else []))

    def destroy(self) -> None:
        self.cli("destroy", "--yes", "-s", self.name)

    def set_redis(self, **changes: Any) -> None:
        """The stack's whole `redis` setting with `changes`, written as JSON (see `redis`)."""
        self.redis = {**self.redis, **changes}
        self.cli("config", "set", "-s", self.name, setting_name(REDIS_SETTING), json.dumps(self.redis))

    def set_shape(self, masters: int, replicas: int) -> None:
        self.set_redis(masters=masters, replicasPerMaster=replicas)
        self.masters, self.replicas = masters, replicas

    def set_image(self, image: str) -> None:
        self.cli("config", "set", "-s", self.name, setting_name(IMAGE_SETTING), image)
        self.image = image

    def view(self) -> RedisView:
        outputs = json.loads(self.cli("stack", "output", "-s", self.name, "--json", "--show-secrets"))
        remap = {}
        for announced, published in outputs["addressMap"].items():
            (ip, port), (host, host_port) = announced.split(":"), published.split(":")
            remap[(ip, int(port))] = (host, int(host_port))
        nodes = {node["name"]: node for node in outputs["nodes"]}
        strays = self.target.misplaced(nodes, self.redis)
        if strays:  # a setting lost on the way: the soak would leave the run's subnet and ports
            raise RuntimeError(f"{', '.join(strays)} not where the run put them: the stack's settings changed")
        return self.target.view(outputs["password"], nodes, remap)

    def wait_healthy(self, view: RedisView, timeout: float = HEAL_TIMEOUT_S) -> float:
        """Seconds until every node is ok, knows every node, and the shape is the planned one."""
        return wait_until(
            "the cluster whole again", lambda: view.problems(self.masters, self.replicas), timeout, poll=0.25
        )

    # --- one engine (the redis stack): only this run's containers ------------------------------------------

    def container_names(self, view: RedisView) -> List[str]:
        return [self._own(name) for name in view.names]

    def _own(self, name: str) -> str:
        if not name.startswith(self.prefix):
            raise ValueError(f"{name} is not this run's ({self.prefix}...): the soak touches nothing else")
        return name

    def running(self, name: str) -> bool:
        return with_engine(lambda client: client.containers.get(self._own(name)).status == "running")

    def containers(self, view: RedisView) -> Dict[str, Container]:
        """Each node's container: its ID, its image's, when it was created."""

        def read(client: docker.DockerClient) -> Dict[str, Container]:
            found = {}
            for name in self.container_names(view):
                attrs = client.containers.get(name).attrs
                found[name] = Container(id=attrs["Id"], image=attrs["Image"], created=attrs["Created"])
            return found

        return with_engine(read)

    def cut_off(self, name: str, peer_ip: str, cut: bool) -> None:
        """Drop (or again accept) what `peer_ip` sends to the container `name`: a one-way partition, in that
        container's own network namespace only (nsenter + iptables; root)."""
        pid = with_engine(lambda client: client.containers.get(self._own(name)).attrs["State"]["Pid"])
        rule = ["INPUT", "-s", peer_ip, "-j", "DROP"]
        command = ["nsenter", "-t", str(pid), "-n", "iptables", "-I" if cut else "-D", *rule]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def engine(self, action: str, name: str) -> None:
        """`docker stop|kill|start|restart|rm -f` of one of the run's containers."""
        with_engine(lambda client: _ACTIONS[action](client.containers.get(self._own(name))))


_ACTIONS = {
    "stop": lambda c: c.stop(),
    "kill": lambda c: c.kill(),
    "start": lambda c: c.start(),
    "restart": lambda c: c.restart(),
    "rm": lambda c: c.remove(force=True),  # its volume stays, as with `docker rm -f`
}


def with_engine(action: Callable[[docker.DockerClient], T]) -> T:
    """What `action` returns, on a client of the engine the stack deploys on (DOCKER_HOST)."""
    client: docker.DockerClient = docker_client()
    try:
        return action(client)
    finally:
        client.close()
