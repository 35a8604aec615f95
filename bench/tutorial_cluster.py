"""The baseline: the tutorial's own commands with the docker CLI, on the same image and settings.

Network create, one `docker run` per node, `redis-cli --cluster create`, then wait until every node
reports cluster_state:ok; and the matching teardown. The config files and the labelled data volumes are
made beforehand, outside the timed part. The redis.conf files are rendered by the project's
own renderer so both sides run the very same configuration.

Names, subnet and ports come from the caller (the plan, `network`, `subnet`): the bench gives them its run's
prefix and a subnet and ports of the run's own, and passes the run's labels, so that nothing here collides
with, or cleans up, what a person deployed with the tutorial's names.
"""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional

import redis

from components.labels import project_labels
from components.redis.model.config import (
    CONFIG_DIR,
    SERVER_COMMAND,
    RedisNodeConfig,
    render_auth_config,
    render_node_config,
)
from components.redis.model.plan import ClusterPlan

LABELS = project_labels(stack="bench-tutorial", component="tutorial-commands")


def _docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} ... failed: {done.stderr.strip()}")
    return done.stdout


def _label_args(extra: Optional[Mapping[str, str]]) -> List[str]:
    """LABELS plus the caller's (a run's name-prefix label, which its clean-up looks for)."""
    labels = {**LABELS, **(extra or {})}
    return [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]


def prepare(plan: ClusterPlan, password: str, workdir: Path, labels: Optional[Mapping[str, str]] = None) -> None:
    """Before the clock starts: each node's config files, and its data volume created with the project's
    labels and `labels` (a volume `docker run -v` creates carries none, and the clean-up finds leftovers by
    label)."""
    for node in plan.nodes:
        conf_dir = workdir / node.name
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "redis.conf").write_text(render_node_config(RedisNodeConfig(node.name, node.ip)))
        (conf_dir / "auth.conf").write_text(render_auth_config(password))
        _docker("volume", "create", *_label_args(labels), f"{node.name}-data")


@dataclass(frozen=True)
class Phases:
    """Where one run of the tutorial's commands spent its time, in seconds; one after the other."""

    containers: float  # network create and the `docker run`s, until every node answers
    cluster_create: float  # `redis-cli --cluster create`: 1 s of sleep, then a look every 1 s
    until_ok: float  # after it, until every node reports cluster_state:ok

    @property
    def total(self) -> float:
        return self.containers + self.cluster_create + self.until_ok


PHASE_LABELS = {
    "containers": "network create and docker runs",
    "cluster_create": "redis-cli --cluster create",
    "until_ok": "then until every node ok",
}


def create(
    plan: ClusterPlan,
    network: str,
    subnet: str,
    image: str,
    password: str,
    workdir: Path,
    bind: str = "127.0.0.1",
    timeout: float = 120.0,
    labels: Optional[Mapping[str, str]] = None,
) -> Phases:
    """The timed part, after prepare(): the tutorial's commands, up to every node ok. The network and the
    containers carry LABELS and `labels`."""
    started = time.perf_counter()
    label_args = _label_args(labels)
    _docker("network", "create", "--driver", "bridge", "--subnet", subnet, *label_args, network)
    for node in plan.nodes:
        conf_dir = workdir / node.name
        # As the tutorial: one `docker run` after the other.
        _docker(
            "run",
            "-d",
            "--name",
            node.name,
            "--net",
            network,
            "--ip",
            node.ip,
            "-p",
            f"{bind}:{node.host_port}:6379",
            "-p",
            f"{bind}:{node.bus_host_port}:16379",
            "-v",
            f"{node.name}-data:/data",
            "-v",
            f"{conf_dir}:{CONFIG_DIR}:ro",
            "--restart",
            "unless-stopped",
            *label_args,
            image,
            *SERVER_COMMAND,
        )
    replicas = plan.replicas_per_master
    _wait_until_answering(plan, bind, password, timeout)
    answering = time.perf_counter()
    _docker(
        "exec",
        plan.nodes[0].name,
        "redis-cli",
        "-a",
        password,
        "--no-auth-warning",
        "--cluster",
        "create",
        *[f"{n.ip}:6379" for n in plan.nodes],
        "--cluster-replicas",
        str(replicas),
        "--cluster-yes",
    )
    created = time.perf_counter()
    wait_all_ok(plan, bind, password, timeout)
    return Phases(
        containers=answering - started, cluster_create=created - answering, until_ok=time.perf_counter() - created
    )


def _wait_until_answering(plan: ClusterPlan, host: str, password: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for node in plan.nodes:
        while True:
            try:
                with redis.Redis(host=host, port=node.host_port, password=password, socket_timeout=1) as c:
                    c.ping()
                break
            except redis.exceptions.RedisError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{node.name} did not answer within {timeout:.0f} s") from None
                time.sleep(0.05)


def wait_all_ok(plan: ClusterPlan, host: str, password: str, timeout: float = 120.0) -> None:
    """Poll every node until it reports cluster_state:ok."""
    deadline = time.monotonic() + timeout
    pending = list(plan.nodes)
    while pending:
        node = pending[0]
        try:
            with redis.Redis(host=host, port=node.host_port, password=password, socket_timeout=1) as c:
                if c.cluster("info").get("cluster_state") == "ok":
                    pending.pop(0)
                    continue
        except redis.exceptions.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{node.name} not cluster_state:ok within {timeout:.0f} s")
        time.sleep(0.05)


def teardown(plan: ClusterPlan, network: str) -> None:
    _docker("rm", "-f", "-v", *[n.name for n in plan.nodes])
    try:
        _docker("network", "rm", network)
    except RuntimeError as error:
        if "active endpoints" not in str(error):
            raise
        # Seen once with 24 containers removed at once (docker.io 20.10): the engine still counted an
        # endpoint on the network after every container was gone, until dockerd restarted.
        raise RuntimeError(
            f"{error}. If no container is attached any more (docker network inspect {network}), "
            "the engine kept a stale endpoint: restart dockerd, then `make clean`"
        ) from None
    _docker("volume", "rm", "-f", *[f"{n.name}-data" for n in plan.nodes])
