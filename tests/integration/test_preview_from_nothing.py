"""`pulumi preview` of each shipped stack before anything is deployed, with the CLI, as a person types it.

The Automation API's `up` skips the preview, so the other tests never preview a stack from nothing,
where every ID a dynamic provider checks (a container's, a network's) is still unknown. The stacks get
the run's settings (prefix, subnets, ports) as every deployed one does, so each preview's checks run
against the engine as it is, a person's stacks included.
"""

import json
import subprocess
from pathlib import Path
from typing import Dict, List, Set

import docker
import pytest

from harness.isolation import RunIsolation, carries_prefix
from harness.project_copy import make_project_copy
from tests.integration.conftest import ProjectWorkspace

pytestmark = pytest.mark.integration

# Everything a preview from nothing must plan, by the last part of the type, with Pulumi's names; {p} is
# the run's prefix. The scenarios' own resources keep the tutorial's names; a pair's containers are named
# after their engine names, and the redis cluster (so each of its children) after its prefixed name.
# docker0 is looked up, not planned: the stacks hold no resource for the engine's own network.
_TOMCAT = {"Stack": ["docker-networking-{stack}"], "RemoteImage": ["tomcat-image"]}
PLANNED = {
    "bridge": {
        **_TOMCAT,
        "LinkedTomcatPair": ["docker0-pair"],
        "Container": ["docker0-pair-{p}tomcat01", "docker0-pair-{p}tomcat02"],
    },
    "link": {
        **_TOMCAT,
        "LinkedTomcatPair": ["link-pair"],
        "Container": ["link-pair-{p}tomcat02", "link-pair-{p}tomcat03", "tomcat01"],
    },
    "mynet": {
        **_TOMCAT,
        "BridgeNetwork": ["mynet"],
        "LinkedTomcatPair": ["mynet-pair"],
        "Network": ["mynet"],
        "NetworkConnection": ["tomcat01-mynet"],
        "Container": ["mynet-pair-{p}tomcat-net-01", "mynet-pair-{p}tomcat-net-02", "tomcat01"],
    },
    "modes": {
        **_TOMCAT,
        "Container": ["tomcat-bridge", "tomcat-container", "tomcat-host", "tomcat-none", "tomcat-reference"],
    },
    "redis": {
        "Stack": ["docker-networking-{stack}"],
        "RedisCluster": ["{p}redis"],
        "BridgeNetwork": ["{p}redis-network"],
        "Network": ["{p}redis-network"],
        "RemoteImage": ["{p}redis-image"],
        "GeneratedPassword": ["{p}redis-password"],
        "RedisNode": [f"{{p}}redis-{n}" for n in range(1, 7)],
        "Volume": [f"{{p}}redis-{n}-data" for n in range(1, 7)],
        "Container": [f"{{p}}redis-{n}" for n in range(1, 7)],
        "SlotSeed": ["{p}redis-slots"],
        "LiveSettings": ["{p}redis-live-settings"],
        "StartingPassword": ["{p}redis-starting-password"],
        "RollPlan": ["{p}redis-roll-plan"],
        "RollStep": [f"{{p}}redis-{n}-roll" for n in range(1, 7)],
        "Teardown": ["{p}redis-teardown"],
        "Formation": ["{p}redis-formation"],
    },
}


@pytest.fixture(scope="module")
def fresh_project(
    tmp_path_factory: pytest.TempPathFactory, toolchain_env: Dict[str, str], run: RunIsolation, clean_engine: None
) -> ProjectWorkspace:
    """A project copy of its own: none of its stacks was ever deployed."""
    root, env = make_project_copy(tmp_path_factory.mktemp("preview-from-nothing"), passphrase="preview-tests")
    return ProjectWorkspace(root, env, run)


def _pulumi(root: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pulumi", *args, "--non-interactive"], cwd=root, env=env, capture_output=True, text=True)


def _run_objects(client: docker.DockerClient, run: RunIsolation) -> Set[str]:
    """This run's containers, networks and volumes: by label, or by name for one a preview made unlabelled.
    Others' objects come and go while the suite runs and say nothing about this preview."""

    def ours(name: str, labels: Dict[str, str]) -> bool:
        return name.startswith(run.prefix) or carries_prefix(labels, run.prefix)

    return (
        {
            c["Id"]
            for c in client.api.containers(all=True)
            if any(ours(n.lstrip("/"), c.get("Labels") or {}) for n in c["Names"])
        }
        | {n["Id"] for n in client.api.networks() if ours(n["Name"], n.get("Labels") or {})}
        | {v["Name"] for v in client.api.volumes()["Volumes"] or [] if ours(v["Name"], v.get("Labels") or {})}
    )


def _planned(steps: List[dict]) -> Dict[str, List[str]]:
    planned: Dict[str, List[str]] = {}
    for step in steps:
        type_name = step["urn"].split("::")[-2].split("$")[-1].split(":")[-1]
        planned.setdefault(type_name, []).append(step["urn"].split("::")[-1])
    return {kind: sorted(names) for kind, names in planned.items()}


@pytest.mark.parametrize("stack", sorted(PLANNED))
def test_a_preview_from_nothing_plans_every_resource_and_touches_nothing(
    fresh_project: ProjectWorkspace, docker_client: docker.DockerClient, run: RunIsolation, stack: str
) -> None:
    fresh_project.stack(stack)  # `pulumi stack init`, then the test images and the run's settings
    before = _run_objects(docker_client, run)

    done = _pulumi(fresh_project.root, fresh_project.env, "preview", "-s", stack, "--json")

    assert done.returncode == 0, f"pulumi preview -s {stack} failed:\n{done.stdout}\n{done.stderr}"
    steps = json.loads(done.stdout)["steps"]
    assert {step["op"] for step in steps} == {"create"}
    expected = {
        kind: sorted(name.format(stack=stack, p=run.prefix) for name in names) for kind, names in PLANNED[stack].items()
    }
    assert _planned(steps) == expected
    assert _run_objects(docker_client, run) == before


# (stack, key, value, the setting the message names, words of its fix): a mistyped key at the top level of the
# namespace, which was ignored once, and an address the engine's host does not have, which failed `up` only
# once the network, the volumes and the first containers existed.
REFUSED = [
    ("redis-typo", "redisImag", "docker-networking/redis:local", "redisImag", "did you mean 'redisImage'?"),
    ("redis-bind", "redis", {"bindAddress": "10.99.99.99"}, "redis.bindAddress", "use 127.0.0.1 (this machine only)"),
]


@pytest.mark.parametrize("stack, key, value, setting, fix", REFUSED, ids=[case[0] for case in REFUSED])
def test_a_mistyped_key_or_an_address_the_host_lacks_fails_the_preview_naming_the_setting_and_creates_nothing(
    fresh_project: ProjectWorkspace,
    docker_client: docker.DockerClient,
    run: RunIsolation,
    stack: str,
    key: str,
    value: object,
    setting: str,
    fix: str,
) -> None:
    fresh_project.stack(stack, {"scenario": "redis", key: value})
    before = _run_objects(docker_client, run)

    done = _pulumi(fresh_project.root, fresh_project.env, "preview", "-s", stack)

    printed = done.stdout + done.stderr
    assert done.returncode != 0, f"pulumi preview -s {stack} passed:\n{printed}"
    assert f"invalid setting 'docker-networking:{setting}'" in printed, printed
    assert "Fix:" in printed and fix in printed, printed
    assert _run_objects(docker_client, run) == before
