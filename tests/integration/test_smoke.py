"""The toolchain end to end: CLI, Python language host, docker plugin and engine on a one-network stack."""
import textwrap
from pathlib import Path
from typing import Dict

import docker
import pytest
from pulumi import automation as auto

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration

NETWORK = "docker-networking-smoke"

PROGRAM = f'''
import pulumi
import pulumi_docker as docker

network = docker.Network(
    "smoke",
    name="{NETWORK}",
    ipam_configs=[docker.NetworkIpamConfigArgs(subnet="10.251.0.0/24")],
    labels=[docker.NetworkLabelArgs(label="io.docker-networking.project", value="docker-networking"),
            docker.NetworkLabelArgs(label="io.docker-networking.stack", value="smoke")],
)
pulumi.export("network_id", network.id)
'''


def test_up_creates_the_network_and_destroy_removes_it(tmp_path: Path, toolchain_env: Dict[str, str],
                                                        clean_engine: None,
                                                        docker_client: docker.DockerClient) -> None:
    (tmp_path / "Pulumi.yaml").write_text(textwrap.dedent("""\
        name: smoke
        runtime:
          name: python
          options:
            virtualenv: .venv
        """))
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / ".venv").symlink_to(REPO_ROOT / ".venv")
    (tmp_path / "state").mkdir()
    env = dict(toolchain_env, PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}",
               PULUMI_CONFIG_PASSPHRASE="smoke")
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    stack = auto.create_or_select_stack(stack_name="smoke", work_dir=str(tmp_path),
                                        opts=auto.LocalWorkspaceOptions(env_vars=env))
    try:
        result = stack.up(on_output=print)
        assert result.summary.result == "succeeded"
        assert result.summary.resource_changes == {"create": 2}  # the stack and the network
        network = docker_client.networks.get(NETWORK)
        assert network.id == result.outputs["network_id"].value
        assert network.attrs["IPAM"]["Config"][0]["Subnet"] == "10.251.0.0/24"
    finally:
        stack.destroy(on_output=print)
        stack.workspace.remove_stack("smoke")
    assert NETWORK not in [n.name for n in docker_client.networks.list()]
