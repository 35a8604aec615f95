"""The toolchain end to end: CLI, Python language host, docker plugin and engine on a one-network stack.

The network has the run's name prefix, labels and a subnet of the run's, so the session's cleanup finds
it if the destroy does not happen, and it lands beside whatever a person deployed.
"""

import textwrap
from pathlib import Path
from typing import Dict, Mapping

import docker
import pytest
from pulumi import automation as auto

from components.labels import STACK_LABEL
from harness.isolation import RunIsolation
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration


def program(network: str, subnet: str, labels: Mapping[str, str]) -> str:
    """A Pulumi program that declares one labelled network and nothing else."""
    label_args = ", ".join(f"docker.NetworkLabelArgs(label={key!r}, value={value!r})" for key, value in labels.items())
    return textwrap.dedent(f"""\
        import pulumi
        import pulumi_docker as docker

        network = docker.Network(
            "smoke",
            name={network!r},
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet={subnet!r})],
            labels=[{label_args}],
        )
        pulumi.export("network_id", network.id)
        """)


def test_up_creates_the_network_and_destroy_removes_it(
    tmp_path: Path,
    toolchain_env: Dict[str, str],
    clean_engine: None,
    run: RunIsolation,
    docker_client: docker.DockerClient,
) -> None:
    network_name, subnet = run.name("smoke"), str(run.subnet("smoke"))
    (tmp_path / "Pulumi.yaml").write_text(
        textwrap.dedent("""\
        name: smoke
        runtime:
          name: python
          options:
            virtualenv: .venv
        """)
    )
    (tmp_path / "__main__.py").write_text(program(network_name, subnet, {**run.labels, STACK_LABEL: "smoke"}))
    (tmp_path / ".venv").symlink_to(REPO_ROOT / ".venv")
    (tmp_path / "state").mkdir()
    env = dict(toolchain_env, PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}", PULUMI_CONFIG_PASSPHRASE="smoke")
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    stack = auto.create_or_select_stack(
        stack_name="smoke", work_dir=str(tmp_path), opts=auto.LocalWorkspaceOptions(env_vars=env)
    )
    try:
        result = stack.up(on_output=print)
        assert result.summary.result == "succeeded"
        assert result.summary.resource_changes == {"create": 2}  # the stack and the network
        network = docker_client.networks.get(network_name)
        assert network.id == result.outputs["network_id"].value
        assert network.attrs["IPAM"]["Config"][0]["Subnet"] == subnet
        assert run.owns(network.attrs["Labels"])
    finally:
        stack.destroy(on_output=print)
        stack.workspace.remove_stack("smoke")
    assert network_name not in [n.name for n in docker_client.networks.list()]
