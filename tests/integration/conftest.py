"""Fixtures that run the project's real stacks through the Automation API on a real engine.

Each test session works on a temporary copy of the project (so stack config written by tests never
touches the repository), with its own file backend and passphrase, and the toolchain from `make setup`.
It is one run (harness.isolation): every stack it deploys and every object a test makes directly has
the run's name prefix and label, its own subnets and host ports, so the session works beside stacks a
person deployed on the same engine, and its cleanup removes only what carries the run's label.
"""

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import docker
import pytest
from pulumi import automation as auto

from components.schema import declared_settings
from components.settings import setting_name
from harness.cleanup import remove_run_objects, summary
from harness.isolation import RunIsolation, merge_config
from harness.project_copy import LOCAL_IMAGES, make_project_copy
from harness.project_copy import toolchain_env as read_toolchain_env
from scenarios.schemas import STACK_CONFIGS
from tests.conftest import skip_or_fail
from tests.integration import engine
from tests.integration.fault_stack import Faults
from tests.integration.sshd import Sshd, serve_sshd
from tests.integration.swarm import LocalSwarm, ensure_swarm

# The test run selects the images built from Debian packages by the set-up (scripts/images.sh).
TEST_IMAGES = LOCAL_IMAGES


def images_for(scenario: str) -> Dict[str, str]:
    """The test images a stack of `scenario` has a setting for: a stack refuses another scenario's keys."""
    keys = {item.key for item in declared_settings(STACK_CONFIGS[scenario])}
    return {key: image for key, image in TEST_IMAGES.items() if key in keys}


def _missing_prerequisites(env: Mapping[str, str]) -> Optional[str]:
    if shutil.which("pulumi", path=env["PATH"]) is None:
        return "the Pulumi CLI is not installed (run `make setup`)"
    try:
        with engine.client() as client:
            client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answers ({error}); run `make setup`"
    return None


@pytest.fixture(scope="session")
def toolchain_env() -> Dict[str, str]:
    env = read_toolchain_env()
    missing = _missing_prerequisites(env)
    if missing:
        skip_or_fail(f"integration prerequisites missing: {missing}")
    os.environ.update(env)  # so docker-py and the CLI see the same settings as a person would
    return env


def worker_share() -> Tuple[int, int]:
    """Which of the parallel test workers this session is (pytest-xdist's gwN of N), else (0, 1)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return (0, 1)
    return (int(worker[2:]), int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))


@pytest.fixture(scope="session")
def run(toolchain_env: Dict[str, str]) -> RunIsolation:
    """This session's prefix (it-xxxxxx-), subnets and port blocks; one for the whole session (a worker's,
    when the tests run in parallel: each worker is a session of its own)."""
    isolation = RunIsolation.new("it", share=worker_share())
    print(f"[integration] this run's engine objects are named {isolation.prefix}...")
    return isolation


def _remove_run_objects(run: RunIsolation) -> None:
    print(summary(remove_run_objects(run.prefix), run.prefix))


@pytest.fixture(scope="session")
def clean_engine(run: RunIsolation) -> Iterator[None]:
    """Whatever this run labelled goes, before the session (nothing, unless a prefix came twice) and after
    it; leftovers of other runs (`make clean`) and a person's stacks are never touched."""
    _remove_run_objects(run)
    yield
    _remove_run_objects(run)


def _config_value(value: Any) -> auto.ConfigValue:
    if isinstance(value, auto.ConfigValue):
        return value
    if isinstance(value, (dict, list)):
        return auto.ConfigValue(value=json.dumps(value))  # read back with Config.get_object
    if isinstance(value, bool):
        return auto.ConfigValue(value="true" if value else "false")
    return auto.ConfigValue(value=str(value))


def _qualified(key: str) -> str:
    return key if ":" in key else setting_name(key)


class ProjectWorkspace:
    """A temporary copy of the project; stacks are the shipped ones (bridge, link, mynet, redis), deployed
    as `run` isolates them: its settings lie under what a test sets (see stack())."""

    def __init__(self, root: Path, env: Dict[str, str], run: RunIsolation) -> None:
        self.root = root
        self.env = env
        self.run = run
        self.stacks: Dict[str, auto.Stack] = {}
        self.run_config: Dict[str, Dict[str, Any]] = {}  # per stack: the run's settings

    def stack(self, name: str, config: Optional[Mapping[str, Any]] = None) -> auto.Stack:
        """The stack `name` with the test images, the run's prefix, subnet and ports (see
        RunIsolation.stack_config) and then `config`; an object in `config` keeps the run's values for
        the keys it does not set. `scenario` in `config` names a shipped scenario for a stack of another
        name (redis-faults)."""
        stack = auto.create_or_select_stack(
            stack_name=name,
            work_dir=str(self.root),
            opts=auto.LocalWorkspaceOptions(work_dir=str(self.root), env_vars=self.env),
        )
        self.stacks[name] = stack
        scenario = (config or {}).get("scenario", name)
        self.run_config[name] = self.run.stack_config(name, scenario)
        for key, value in {**images_for(scenario), **self.run_config[name], **(config or {})}.items():
            self.set_config(stack, key, value)
        return stack

    def set_config(self, stack: auto.Stack, key: str, value: Any) -> None:
        """An object is set over the run's settings for `key`, as in stack()."""
        run_value = self.run_config.get(stack.name, {}).get(key)
        if isinstance(value, Mapping) and isinstance(run_value, Mapping):
            value = merge_config(run_value, value)
        # CLI-backed: honours stackConfigDir, unlike the Automation API's stack_settings.
        stack.set_config(_qualified(key), _config_value(value))

    def remove_config(self, stack: auto.Stack, key: str) -> None:
        """Back to the shipped default, which for a key the run sets is the run's value (the shipped
        subnet and ports are a person's)."""
        run_value = self.run_config.get(stack.name, {}).get(key)
        if run_value is not None:
            self.set_config(stack, key, run_value)
        else:
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
def project(toolchain_env: Dict[str, str], run: RunIsolation, clean_engine: None) -> Iterator[ProjectWorkspace]:
    with tempfile.TemporaryDirectory(prefix="docker-networking-it-") as tmp:
        root, env = make_project_copy(Path(tmp), passphrase="integration-tests")
        workspace = ProjectWorkspace(root, env, run)
        try:
            yield workspace
        finally:
            workspace.destroy_all()


@pytest.fixture(scope="session")
def docker_client(toolchain_env: Dict[str, str]) -> Iterator[docker.DockerClient]:
    with engine.client() as client:
        yield client


@contextmanager
def module_redis_stack(project: "ProjectWorkspace", request: pytest.FixtureRequest) -> Iterator[auto.Stack]:
    """The module's redis stack (its STACK: the shipped redis settings, as the run isolates them), destroyed
    after the module, as every redis stack of a run is: they all use the run's node and network names, and
    a worker's next module may deploy another."""
    stack = project.stack(request.module.STACK, {"scenario": "redis"})
    try:
        yield stack
    finally:
        stack.destroy(on_output=print)


@pytest.fixture(scope="module")
def redis_stack(project: "ProjectWorkspace", request: pytest.FixtureRequest) -> Iterator[auto.Stack]:
    """The module's redis stack, up (module_redis_stack)."""
    with module_redis_stack(project, request) as stack:
        stack.up(on_output=print)
        yield stack


@pytest.fixture(scope="module")
def stack_under_faults(project: "ProjectWorkspace", request: pytest.FixtureRequest) -> Iterator[Faults]:
    """The module's redis stack (module_redis_stack), as the fault tests drive it."""
    with module_redis_stack(project, request) as stack:
        yield Faults(project=project, stack=stack)


@pytest.fixture
def faults(stack_under_faults: Faults) -> Faults:
    """That stack, a whole cluster in its planned state (Faults.restore)."""
    stack_under_faults.restore()
    return stack_under_faults


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory, toolchain_env: Dict[str, str]) -> Iterator[Sshd]:
    """This machine's engine over ssh:// through an sshd of the test's own (tests/integration/sshd.py)."""
    with serve_sshd(tmp_path_factory.mktemp("sshd")) as served:
        yield served


@pytest.fixture(scope="module")
def swarm() -> LocalSwarm:
    """The local Swarm (tests/integration/swarm.py), started when it is not up."""
    return ensure_swarm()


@pytest.fixture(scope="module")
def on_swarm(project: ProjectWorkspace, swarm: LocalSwarm) -> Iterator[ProjectWorkspace]:
    """The project copy, with DOCKER_HOST on the Swarm's manager for every stack the module deploys; they
    are destroyed at the module's end."""
    workspace = ProjectWorkspace(project.root, {**project.env, "DOCKER_HOST": swarm.manager_host}, project.run)
    try:
        yield workspace
    finally:
        workspace.destroy_all()
