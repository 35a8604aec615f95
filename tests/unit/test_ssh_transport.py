"""EngineClient at an ssh:// address, with a stand-in `ssh` on PATH: it records its arguments and pipes its
standard input and output to the fake engine's socket, as `ssh host docker system dial-stdio` pipes them
to the remote engine's. The real ssh and sshd are tests/integration/test_remote_engines.py's."""

import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import List

import pytest

from components.engine.client import EngineClient, EngineUnreachable
from components.engine.endpoint import FROM_HOST, Endpoint, ssh_command

from .doubles.engine_api import FakeEngine

ENGINE = "ssh://deploy@engine.example:2222"

DIAL_STDIO = """\
import json, os, socket, sys, threading
with open(os.environ["FAKE_SSH_LOG"], "a") as log:
    log.write(json.dumps({"argv": sys.argv[1:], "pid": os.getpid()}) + "\\n")
engine = socket.socket(socket.AF_UNIX)
engine.connect(os.environ["FAKE_ENGINE_SOCKET"])

def forward_input():
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        engine.sendall(data)
    engine.shutdown(socket.SHUT_WR)

threading.Thread(target=forward_input, daemon=True).start()
while True:
    data = engine.recv(65536)
    if not data:
        break
    os.write(1, data)
"""


def _stand_in(directory: Path, script: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    ssh = directory / "ssh"
    ssh.write_text(script)
    ssh.chmod(0o755)
    return directory


@pytest.fixture
def ssh_log(tmp_path: Path, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working `ssh` to the fake engine; the log has one line per ssh started."""
    log = tmp_path / "ssh.log"
    bin_dir = _stand_in(tmp_path / "bin", f"#!{sys.executable}\n{DIAL_STDIO}")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SSH_LOG", str(log))
    monkeypatch.setenv("FAKE_ENGINE_SOCKET", engine.socket_path)
    return log


def _started(log: Path) -> List[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited: its parent has not reaped it yet
        return stat.read().split(") ")[1][0] != "Z"


def test_the_engine_is_reached_through_the_ssh_client_with_dial_stdio(engine: FakeEngine, ssh_log: Path):
    engine.add_network("far-away")
    with EngineClient(Endpoint(ENGINE, origin=FROM_HOST), timeout=5) as client:
        assert [n["Name"] for n in client.networks()] == ["far-away"]
    # One ssh for the client's calls (its version, the networks): they share one keep-alive connection.
    assert [entry["argv"] for entry in _started(ssh_log)] == [ssh_command(ENGINE)[1:]]
    assert engine.calls == ["GET /networks"] and engine.api_versions == ["1.41"]


def test_no_ssh_is_left_running_once_the_client_is_closed(engine: FakeEngine, ssh_log: Path):
    with EngineClient(Endpoint(ENGINE, origin=FROM_HOST), timeout=5) as client:
        client.networks()
    deadline = time.monotonic() + 5
    while any(_alive(entry["pid"]) for entry in _started(ssh_log)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(entry["pid"]) for entry in _started(ssh_log))


def test_a_refused_key_is_named_with_what_ssh_said_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    refusing = textwrap.dedent(
        """\
        #!/bin/sh
        echo "Warning: Permanently added '[engine.example]:2222' (ED25519) to the list of known hosts." >&2
        echo "deploy@engine.example: Permission denied (publickey)." >&2
        exit 255
        """
    )
    monkeypatch.setenv("PATH", f"{_stand_in(tmp_path / 'bin', refusing)}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(EngineUnreachable) as failure:
        EngineClient(Endpoint(ENGINE, origin=FROM_HOST), timeout=5).version()
    assert str(failure.value) == (
        f"no answer from the Docker engine at {ENGINE} (DOCKER_HOST): ssh exited with status 255: "
        "deploy@engine.example: Permission denied (publickey). Fix: check that "
        "`ssh -p 2222 deploy@engine.example docker version` works without a prompt (your key in ssh-agent or "
        "~/.ssh/config, the host in known_hosts, docker installed there), or point DOCKER_HOST at it"
    )


def test_without_an_ssh_client_the_message_says_to_install_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(EngineUnreachable, match="cannot run ssh .*install the OpenSSH client"):
        EngineClient(Endpoint(ENGINE, origin=FROM_HOST), timeout=5).version()
