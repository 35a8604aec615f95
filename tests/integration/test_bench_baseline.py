"""The benchmark's baseline (bench/tutorial_cluster.py): the tutorial's commands form a working cluster,
and their teardown leaves nothing of theirs on the engine, labelled or not."""

import secrets
from pathlib import Path
from typing import Dict

import docker
import pytest
import redis

from bench import tutorial_cluster
from components.labels import STACK_LABEL
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.plan import plan_cluster
from harness.isolation import RunIsolation
from tests.integration import engine
from tests.integration.conftest import TEST_IMAGES

pytestmark = pytest.mark.integration

# The run's name, subnet and ports for it: nothing else the run deploys uses them, nor does a person's
# stack. The ports stay below the kernel's ephemeral range, where any outgoing connection may hold one.
PURPOSE = "bench-baseline"


def test_the_tutorial_commands_form_a_cluster_and_their_teardown_leaves_nothing(
    tmp_path: Path,
    toolchain_env: Dict[str, str],
    clean_engine: None,
    run: RunIsolation,
    docker_client: docker.DockerClient,
) -> None:
    network, subnet, image = run.name(PURPOSE), str(run.subnet(PURPOSE)), TEST_IMAGES["redisImage"]
    plan = plan_cluster(
        network,
        RedisClusterArgs(
            masters=3,
            network_name=network,
            subnet=subnet,
            image=image,
            base_port=run.port_base(PURPOSE),
            bus_base_port=run.port_base(f"{PURPOSE}-bus"),
        ),
    )
    password = secrets.token_hex(16)
    filters = engine.run_filters(run.prefix, tutorial_cluster.LABELS[STACK_LABEL])
    try:
        # The run's labels on everything the commands create, so the session's cleanup finds any leftover.
        tutorial_cluster.prepare(plan, password, tmp_path, labels=run.labels)
        assert len(docker_client.volumes.list(filters=filters)) == 6  # labelled before the clock starts
        tutorial_cluster.create(plan, network, subnet, image, password, tmp_path, timeout=60, labels=run.labels)
        tutorial_cluster.wait_all_ok(plan, "127.0.0.1", password, timeout=5)
        with redis.Redis(port=plan.nodes[0].host_port, password=password, decode_responses=True) as node:
            info = node.cluster("info")
        assert info["cluster_state"] == "ok"
        assert int(info["cluster_slots_assigned"]) == 16384 and int(info["cluster_size"]) == 3
    finally:
        tutorial_cluster.teardown(plan, network)
    assert docker_client.containers.list(all=True, filters=filters) == []
    assert docker_client.networks.list(filters=filters) == []
    assert docker_client.volumes.list(filters=filters) == []
    assert not {f"{node.name}-data" for node in plan.nodes} & {v.name for v in docker_client.volumes.list()}
