"""`pulumi preview` of each shipped stack before anything is deployed, with the CLI, as a person types it.

The Automation API's `up` skips the preview, so the other tests never preview a stack from nothing,
where every ID a dynamic provider checks (a container's, a network's) is still unknown.
"""
import json
import subprocess
from pathlib import Path
from typing import Dict, List, Set, Tuple

import docker
import pytest

from harness.project_copy import LOCAL_IMAGES, make_project_copy

pytestmark = pytest.mark.integration

# Everything a preview from nothing must plan, by the last part of the type, with Pulumi's names.
_TOMCAT = {"Stack": ["docker-networking-{stack}"], "BridgeNetwork": ["docker0"], "RemoteImage": ["tomcat-image"]}
PLANNED = {
    "bridge": {**_TOMCAT, "LinkedTomcatPair": ["docker0-pair"],
               "Container": ["docker0-pair-tomcat01", "docker0-pair-tomcat02"]},
    "link": {**_TOMCAT, "LinkedTomcatPair": ["link-pair"], "Container": ["link-pair-tomcat02", "link-pair-tomcat03",
                                                                         "tomcat01"]},
    "mynet": {**_TOMCAT, "BridgeNetwork": ["docker0", "mynet"], "LinkedTomcatPair": ["mynet-pair"],
              "Network": ["mynet"], "NetworkConnection": ["tomcat01-mynet"],
              "Container": ["mynet-pair-tomcat-net-01", "mynet-pair-tomcat-net-02", "tomcat01"]},
    "redis": {"Stack": ["docker-networking-{stack}"], "RedisCluster": ["redis"], "BridgeNetwork": ["redis-network"],
              "Network": ["redis-network"], "RemoteImage": ["redis-image"], "GeneratedPassword": ["redis-password"],
              "RedisNode": [f"redis-{n}" for n in range(1, 7)], "Volume": [f"redis-{n}-data" for n in range(1, 7)],
              "Container": [f"redis-{n}" for n in range(1, 7)], "SlotSeed": ["redis-slots"],
              "Formation": ["redis-formation"]},
}


@pytest.fixture(scope="module")
def fresh_project(tmp_path_factory: pytest.TempPathFactory, toolchain_env: Dict[str, str],
                  clean_engine: None) -> Tuple[Path, Dict[str, str]]:
    return make_project_copy(tmp_path_factory.mktemp("preview-from-nothing"), passphrase="preview-tests")


def _pulumi(root: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pulumi", *args, "--non-interactive"], cwd=root, env=env, capture_output=True, text=True)


def _engine_objects(client: docker.DockerClient) -> Set[str]:
    return ({c.id for c in client.containers.list(all=True)} | {n.id for n in client.networks.list()}
            | {v.name for v in client.volumes.list()})


def _planned(steps: List[dict]) -> Dict[str, List[str]]:
    planned: Dict[str, List[str]] = {}
    for step in steps:
        type_name = step["urn"].split("::")[-2].split("$")[-1].split(":")[-1]
        planned.setdefault(type_name, []).append(step["urn"].split("::")[-1])
    return {kind: sorted(names) for kind, names in planned.items()}


@pytest.mark.parametrize("stack", sorted(PLANNED))
def test_a_preview_from_nothing_plans_every_resource_and_touches_nothing(
        fresh_project: Tuple[Path, Dict[str, str]], docker_client: docker.DockerClient, stack: str) -> None:
    root, env = fresh_project
    assert _pulumi(root, env, "stack", "init", stack).returncode == 0
    for key, image in LOCAL_IMAGES.items():
        _pulumi(root, env, "config", "set", key, image, "-s", stack)
    before = _engine_objects(docker_client)

    done = _pulumi(root, env, "preview", "-s", stack, "--json")

    assert done.returncode == 0, f"pulumi preview -s {stack} failed:\n{done.stdout}\n{done.stderr}"
    steps = json.loads(done.stdout)["steps"]
    assert {step["op"] for step in steps} == {"create"}
    expected = {kind: [name.format(stack=stack) for name in names] for kind, names in PLANNED[stack].items()}
    assert _planned(steps) == expected
    assert _engine_objects(docker_client) == before
