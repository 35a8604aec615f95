"""Security of the redis stack under the light of issue 20: with auth on (the default), a client without
the password is refused on every node, and the password appears nowhere a person or a program could read
it by accident: `pulumi stack export`, `docker inspect` of every object of the stack, what `pulumi up`
printed and its `--event-log` file, and the files the project leaves on disk (the project copy with
its .build directory, the state backend, the Pulumi workspace files).

The stack is deployed as a person does, with the CLI, and with the password the stack generates.
"""

import base64
import json
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from harness.redis_view import RedisView
from tests.integration import engine

pytestmark = pytest.mark.integration

STACK = "redis-secrets"
UP_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Deployed:
    view: RedisView
    printed: str  # what `pulumi up` printed, stdout and stderr
    event_log: Path
    backend: Path  # the file backend's directory


def cli(project, *args: str) -> subprocess.CompletedProcess:
    # The CLI offers --event-log only with PULUMI_DEBUG_COMMANDS set, as the Automation API sets it.
    return subprocess.run(
        ["pulumi", *args, "--non-interactive", "-s", STACK],
        cwd=project.root,
        env={**project.env, "PULUMI_DEBUG_COMMANDS": "true"},
        capture_output=True,
        text=True,
        timeout=UP_TIMEOUT_SECONDS,
    )


@pytest.fixture(scope="module")
def deployed(project, tmp_path_factory) -> Iterator[Deployed]:
    stack = project.stack(STACK, {"scenario": "redis"})
    event_log = tmp_path_factory.mktemp("secrets") / "events.json"
    up = cli(project, "up", "--yes", "--event-log", str(event_log))
    if up.returncode != 0:
        stack.destroy(on_output=print)
    assert up.returncode == 0, up.stdout + up.stderr
    backend = Path(project.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    try:
        yield Deployed(view=RedisView.of(stack), printed=up.stdout + up.stderr, event_log=event_log, backend=backend)
    finally:
        stack.destroy(on_output=print)  # the other redis stacks of the run use the same node names


def forms_of(password: str) -> List[str]:
    """The password as it is, and base64-encoded (how a file or a request body might carry it)."""
    return [password, base64.b64encode(password.encode()).decode()]


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def holding(password: str, roots: List[Path]) -> List[str]:
    needles = [form.encode() for form in forms_of(password)]
    return [str(path) for path in files_under(*roots) if any(n in path.read_bytes() for n in needles)]


def test_the_password_is_generated_and_strong(deployed):
    assert len(deployed.view.password) >= 24


def test_a_client_without_the_password_is_refused_on_every_node(deployed):
    for name, node in deployed.view.nodes.items():
        for password in (None, "not-the-password"):
            # No retries: a refusal is the answer, not a hiccup to retry with backoff.
            client = redis.Redis(
                host="127.0.0.1",
                port=node["hostPort"],
                password=password,
                socket_timeout=5,
                retry=Retry(NoBackoff(), 0),
            )
            try:
                with pytest.raises(redis.AuthenticationError):
                    client.execute_command("GET", "a")
                with pytest.raises(redis.AuthenticationError):
                    client.execute_command("CLUSTER", "NODES")
            finally:
                client.close()
        # Below any client library: the protocol's own answer to a command without AUTH.
        with socket.create_connection(("127.0.0.1", node["hostPort"]), timeout=5) as raw:
            raw.sendall(b"PING\r\nGET a\r\n")
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = raw.recv(4096)
                assert chunk, f"{name} closed the connection after {answer!r}"
                answer += chunk
        assert [line.split()[0] for line in answer.splitlines()] == [b"-NOAUTH", b"-NOAUTH"], (name, answer)
        assert deployed.view.ask(name, "PING") is True  # and the password opens it


def test_the_password_is_not_in_pulumi_stack_export(project, deployed):
    exported = cli(project, "stack", "export")
    assert exported.returncode == 0, exported.stderr
    assert not [form for form in forms_of(deployed.view.password) if form in exported.stdout]
    # The state holds it, encrypted: the export says where.
    assert "ciphertext" in exported.stdout


def test_the_password_is_not_in_docker_inspect_of_any_object_of_the_stack(run, deployed):
    with engine.client() as client:
        filters = engine.run_filters(run.prefix, STACK)
        containers = client.containers.list(all=True, filters=filters)
        objects = [
            *containers,
            *client.networks.list(filters=filters),
            *client.volumes.list(filters=filters),
            *{c.image.id: c.image for c in containers if c.image is not None}.values(),
        ]
        assert len(containers) == len(deployed.view.nodes)
        inspected = {f"{type(o).__name__} {o.id}": json.dumps(o.attrs) for o in objects}
    leaks = [what for what, text in inspected.items() if any(f in text for f in forms_of(deployed.view.password))]
    assert leaks == []


def test_the_password_is_not_in_what_pulumi_up_printed_nor_in_its_event_log(deployed):
    assert "redis-formation" in deployed.printed and deployed.event_log.stat().st_size > 0
    forms = forms_of(deployed.view.password)
    assert not [form for form in forms if form in deployed.printed]
    assert not [form for form in forms if form in deployed.event_log.read_text()]


def test_the_password_is_in_no_file_the_project_leaves_on_disk(project, deployed):
    roots = [project.root, deployed.backend]
    pulumi_home = project.env.get("PULUMI_HOME") or os.path.expanduser("~/.pulumi")
    roots.append(Path(pulumi_home) / "workspaces")  # per-project workspace settings the CLI writes
    assert (project.root / ".build").is_dir(), "the rendered redis.conf files are where the docs say"
    assert holding(deployed.view.password, roots) == []
