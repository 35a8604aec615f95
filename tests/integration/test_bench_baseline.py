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
from components.redis_plan import plan_cluster
from components.redis_settings import RedisClusterArgs
from tests.integration.conftest import TEST_IMAGES

pytestmark = pytest.mark.integration

# Its own name, subnet and ports: nothing else the tests deploy uses them. The ports stay below the
# kernel's ephemeral range (32768 and up here), where any outgoing connection may hold one.
NETWORK, SUBNET = "bench-baseline", "10.77.0.0/24"
BASE_PORT, BUS_BASE_PORT = 28370, 29370


def test_the_tutorial_commands_form_a_cluster_and_their_teardown_leaves_nothing(
        tmp_path: Path, toolchain_env: Dict[str, str], clean_engine: None,
        docker_client: docker.DockerClient) -> None:
    image = TEST_IMAGES["redisImage"]
    plan = plan_cluster(NETWORK, RedisClusterArgs(masters=3, network_name=NETWORK, subnet=SUBNET, image=image,
                                                  base_port=BASE_PORT, bus_base_port=BUS_BASE_PORT))
    password = secrets.token_hex(16)
    stack_filter = {"label": f"{STACK_LABEL}={tutorial_cluster.LABELS[STACK_LABEL]}"}
    try:
        tutorial_cluster.prepare(plan, password, tmp_path)
        assert len(docker_client.volumes.list(filters=stack_filter)) == 6  # labelled before the clock starts
        tutorial_cluster.create(plan, NETWORK, SUBNET, image, password, tmp_path, timeout=60)
        tutorial_cluster.wait_all_ok(plan, "127.0.0.1", password, timeout=5)
        with redis.Redis(port=plan.nodes[0].host_port, password=password, decode_responses=True) as node:
            info = node.cluster("info")
        assert info["cluster_state"] == "ok"
        assert int(info["cluster_slots_assigned"]) == 16384 and int(info["cluster_size"]) == 3
    finally:
        tutorial_cluster.teardown(plan, NETWORK)
    assert docker_client.containers.list(all=True, filters=stack_filter) == []
    assert docker_client.networks.list(filters=stack_filter) == []
    assert docker_client.volumes.list(filters=stack_filter) == []
    assert not {f"{node.name}-data" for node in plan.nodes} & {v.name for v in docker_client.volumes.list()}
