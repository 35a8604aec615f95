"""The project's fallback language host (scripts/toolchain/language-host, in Go) as the CLI sees it: its
answers about the program, a failing program runner reported with its last words, and a stop that ends
the program it runs. Every other integration test runs its programs through it."""

import importlib.metadata
import importlib.util
import json
import platform
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, Iterator, List

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from tests.conftest import REPO_ROOT, skip_or_fail
from tests.integration.cli_interrupt import process_tree

pytestmark = pytest.mark.integration

VENV = REPO_ROOT / ".venv"


def _program_info(directory: Path) -> language_pb2.ProgramInfo:
    options = struct_pb2.Struct()
    options.update({"virtualenv": str(VENV)})
    return language_pb2.ProgramInfo(
        root_directory=str(directory), program_directory=str(directory), entry_point=".", options=options
    )


@pytest.fixture
def host(toolchain_env: Dict[str, str]) -> Iterator[SimpleNamespace]:
    installed = shutil.which("pulumi-language-python", path=toolchain_env["PATH"])
    binary = Path(installed).resolve() if installed else None
    if binary is None or not (binary.parent / "program_runner.py").exists():
        skip_or_fail(f"the project's own language host is not installed (found {installed}); run `make setup`")
    process = subprocess.Popen(
        [str(binary), "127.0.0.1:1"], cwd=REPO_ROOT, env=toolchain_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None  # stdout=PIPE
    port = int(process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield SimpleNamespace(process=process, stub=language_pb2_grpc.LanguageRuntimeStub(channel))
    finally:
        channel.close()
        process.kill()
        process.wait()


def test_it_answers_about_the_program_from_the_virtualenv(host: SimpleNamespace) -> None:
    assert host.stub.GetPluginInfo(empty_pb2.Empty()).version == importlib.metadata.version("pulumi")
    about = host.stub.About(language_pb2.AboutRequest(info=_program_info(REPO_ROOT)))
    assert about.executable == str(VENV / "bin" / "python")
    assert about.version == platform.python_version()
    packages = host.stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=_program_info(REPO_ROOT)))
    spec = importlib.util.find_spec("pulumi_docker")
    assert spec is not None and spec.origin is not None, "pulumi_docker is installed as a package with files"
    declared = json.loads((Path(spec.origin).parent / "pulumi-plugin.json").read_text())
    assert [(p.name, p.kind, p.version) for p in packages.packages] == [("docker", "resource", declared["version"])]


def test_a_runner_that_fails_is_reported_with_its_last_words(host: SimpleNamespace, tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    # No engine listens there: the SDK fails before the program starts, outside what it reports itself.
    response = host.stub.Run(
        language_pb2.RunRequest(
            project="p", stack="s", monitor_address="127.0.0.1:1", pwd=str(tmp_path), info=_program_info(tmp_path)
        ),
        timeout=60,
    )
    assert "program runner" in response.error and "exit status 1" in response.error
    assert "Traceback" in response.error  # the end of what the runner wrote on stderr


def _silent_listener() -> "tuple[socket.socket, List[socket.socket]]":
    """A 'monitor' that accepts connections and never answers: a program talking to it just waits."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: List[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener, accepted


def test_a_stop_ends_the_program_it_is_running(host: SimpleNamespace, tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    listener, accepted = _silent_listener()
    port = listener.getsockname()[1]
    request = language_pb2.RunRequest(
        project="p", stack="s", monitor_address=f"127.0.0.1:{port}", pwd=str(tmp_path), info=_program_info(tmp_path)
    )
    running = host.stub.Run.future(request)  # kept: a dropped future cancels the call
    deadline = time.monotonic() + 30
    while not accepted and time.monotonic() < deadline:  # the runner has started and is waiting
        time.sleep(0.05)
    runners = [pid for pid in process_tree(host.process.pid) if pid != host.process.pid]
    assert runners, "no program runner was started"
    host.process.send_signal(signal.SIGTERM)
    assert host.process.wait(timeout=5) == 0
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in runners):
        assert time.monotonic() < deadline, f"the program runner outlived its host: {runners}"
        time.sleep(0.05)
    running.cancel()
    listener.close()
    for connection in accepted:
        connection.close()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
