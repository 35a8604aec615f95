"""Fixtures that run the project's real stacks through the Automation API on a real engine.

Each test session works on a temporary copy of the project (so stack config written by tests never
touches the repository), with its own file backend and passphrase, and the toolchain from `make setup`.
"""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional

import docker
import pytest
from pulumi import automation as auto

from harness.project_copy import LOCAL_IMAGES, REPO_ROOT, make_project_copy
from harness.project_copy import toolchain_env as read_toolchain_env
from tests.conftest import skip_or_fail
from tests.integration import engine

NAMESPACE = "docker-networking"
# The test run selects the images built from Debian packages by the set-up (scripts/images.sh).
TEST_IMAGES = LOCAL_IMAGES


def _missing_prerequisites(env: Mapping[str, str]) -> Optional[str]:
    if shutil.which("pulumi", path=env["PATH"]) is None:
        return "the Pulumi CLI is not installed (run `make setup`)"
    try:
        with engine.client() as client:
            client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answers ({error}); run `make setup`"
    return None


def _cleanup_labelled() -> None:
    # Only for people running two suites side by side on one engine; CI always cleans.
    if os.environ.get("DOCKER_NETWORKING_SKIP_CLEANUP") == "1" and os.environ.get("CI", "") != "true":
        return
    subprocess.run([str(REPO_ROOT / "scripts" / "cleanup.sh")], check=True)


@pytest.fixture(scope="session")
def toolchain_env() -> Dict[str, str]:
    env = read_toolchain_env()
    missing = _missing_prerequisites(env)
    if missing:
        skip_or_fail(f"integration prerequisites missing: {missing}")
    os.environ.update(env)  # so docker-py and the CLI see the same settings as a person would
    return env


@pytest.fixture(scope="session", autouse=False)
def clean_engine(toolchain_env: Dict[str, str]) -> Iterator[None]:
    """Leftovers of earlier runs go before the session; this session's go after it."""
    _cleanup_labelled()
    yield
    _cleanup_labelled()


def _config_value(value: Any) -> auto.ConfigValue:
    if isinstance(value, auto.ConfigValue):
        return value
    if isinstance(value, (dict, list)):
        return auto.ConfigValue(value=json.dumps(value))  # read back with Config.get_object
    if isinstance(value, bool):
        return auto.ConfigValue(value="true" if value else "false")
    return auto.ConfigValue(value=str(value))


def _qualified(key: str) -> str:
    return key if ":" in key else f"{NAMESPACE}:{key}"


class ProjectWorkspace:
    """A temporary copy of the project; stacks are the shipped ones (bridge, link, mynet, redis)."""

    def __init__(self, root: Path, env: Dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.stacks: Dict[str, auto.Stack] = {}

    def stack(self, name: str, config: Optional[Mapping[str, Any]] = None) -> auto.Stack:
        stack = auto.create_or_select_stack(
            stack_name=name, work_dir=str(self.root),
            opts=auto.LocalWorkspaceOptions(work_dir=str(self.root), env_vars=self.env))
        self.stacks[name] = stack
        for key, value in {**TEST_IMAGES, **(config or {})}.items():
            self.set_config(stack, key, value)
        return stack

    def set_config(self, stack: auto.Stack, key: str, value: Any) -> None:
        # CLI-backed: honours stackConfigDir, unlike the Automation API's stack_settings.
        stack.set_config(_qualified(key), _config_value(value))

    def remove_config(self, stack: auto.Stack, key: str) -> None:
        stack.remove_config(_qualified(key))

    def destroy_all(self) -> None:
        for name, stack in list(self.stacks.items()):
            try:
                stack.destroy(on_output=print)
                stack.workspace.remove_stack(name)
            except auto.errors.CommandError as error:
                print(f"teardown of stack {name} failed: {error}")
            self.stacks.pop(name, None)


@pytest.fixture(scope="session")
def project(toolchain_env: Dict[str, str], clean_engine: None) -> Iterator[ProjectWorkspace]:
    with tempfile.TemporaryDirectory(prefix="docker-networking-it-") as tmp:
        root, env = make_project_copy(Path(tmp), passphrase="integration-tests")
        workspace = ProjectWorkspace(root, env)
        try:
            yield workspace
        finally:
            workspace.destroy_all()


@pytest.fixture(scope="session")
def docker_client(toolchain_env: Dict[str, str]) -> Iterator[docker.DockerClient]:
    with engine.client() as client:
        yield client
