"""scripts/engines/docker29.sh without an engine: which mounts it replays inside the namespace, what `env`
prints, that a cached build asks nothing of Go, what the private engine (private.sh, on docker29.sh) runs,
and that the DNS relay hands queries and answers through."""

import importlib.util
import socket
import subprocess
import threading
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "engines" / "docker29.sh"
ENGINE_DIR = "docker-29.8.1"

HYBRID = """\
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:40 / /sys/kernel/security rw,relatime - securityfs securityfs rw
60 27 0:41 /docker/abc /mnt/cg rw,relatime - cgroup cgroup rw,memory
"""
UNIFIED = """\
23 27 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
"""


def _run(
    args: List[str], tmp_path: Path, path_dirs: Optional[List[Path]] = None, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    clean = {
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": ":".join([*map(str, path_dirs or []), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
        **(env or {}),
    }
    return subprocess.run(["bash", str(SCRIPT), *args], env=clean, capture_output=True, text=True)


def _mounts(tmp_path: Path, mountinfo: str) -> List[List[str]]:
    source = tmp_path / "mountinfo"
    source.write_text(mountinfo)
    done = _run(["_sys-mounts", str(source)], tmp_path)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def test_a_hybrid_hierarchy_is_replayed_whole_and_in_order(tmp_path: Path):
    assert _mounts(tmp_path, HYBRID) == [
        ["tmpfs", "/sys/fs/cgroup", "rw,mode=755"],
        ["cgroup", "/sys/fs/cgroup/cpu,cpuacct", "rw,cpu,cpuacct"],
        ["cgroup", "/sys/fs/cgroup/devices", "rw,devices"],
        ["cgroup", "/sys/fs/cgroup/systemd", "rw,xattr,name=systemd"],
        ["cgroup2", "/sys/fs/cgroup/unified", "rw,nsdelegate"],
    ]


def test_a_unified_hierarchy_is_one_cgroup2_mount(tmp_path: Path):
    assert _mounts(tmp_path, UNIFIED) == [["cgroup2", "/sys/fs/cgroup", "rw,nsdelegate,memory_recursiveprot"]]


def test_env_names_the_engine_socket_and_drops_what_would_steer_clients_elsewhere(tmp_path: Path):
    done = _run(["env"], tmp_path, env={"DOCKER29_RUN_DIR": "/run/x"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert 'export DOCKER_HOST="unix:///run/x/docker29.sock"' in lines
    assert any(line.startswith("unset DOCKER_CONTEXT") and "DOCKER_TLS_VERIFY" in line for line in lines)
    probe = subprocess.run(
        ["bash", "-c", f'eval "$(bash {SCRIPT} env)"; echo "$DOCKER_HOST|${{DOCKER_CONTEXT-unset}}"'],
        env={"DOCKER_CONTEXT": "other", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DOCKER29_RUN_DIR": "/run/x"},
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "unix:///run/x/docker29.sock|unset"


def _fake_go(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(f"#!/bin/sh\necho called >> {tmp_path}/go-calls\nexit 1\n")
    go.chmod(0o755)
    return bin_dir


RECIPES = {"moby": 1, "containerd": 2, "runc": 1}  # as docker29.sh declares them


def _cache_everything(tmp_path: Path, older: bool = False) -> Path:
    engine = tmp_path / "cache" / "docker-networking-iac" / "engines" / ENGINE_DIR
    binaries = engine / "bin"
    binaries.mkdir(parents=True)
    for name in ("dockerd", "docker-proxy", "containerd", "containerd-shim-runc-v2", "runc"):
        (binaries / name).write_text("#!/bin/sh\n")
        (binaries / name).chmod(0o755)
    (engine / "stamps").mkdir()
    for component, version in (("moby", "v2.0.0-beta.24"), ("containerd", "v2.3.5"), ("runc", "v1.5.3")):
        recipe = RECIPES[component] - (older and component == "runc")
        (engine / "stamps" / component).write_text(f"{version} recipe={recipe}\n")
    return engine


def test_a_cached_build_asks_nothing_of_go(tmp_path: Path):
    _cache_everything(tmp_path)
    done = _run(["build"], tmp_path, [_fake_go(tmp_path)])
    assert done.returncode == 0, done.stderr
    assert "cached:" in done.stderr
    assert not (tmp_path / "go-calls").exists()


def test_binaries_of_an_older_recipe_are_built_again(tmp_path: Path):
    _cache_everything(tmp_path, older=True)
    done = _run(["build"], tmp_path, [_fake_go(tmp_path)])
    assert done.returncode != 0
    assert (tmp_path / "go-calls").exists()
    assert "go get github.com/opencontainers/runc@v1.5.3 failed" in done.stderr


@pytest.mark.parametrize("args", [[], ["frobnicate"]])
def test_an_unknown_command_prints_the_usage(tmp_path: Path, args: List[str]):
    done = _run(args, tmp_path)
    assert done.returncode == 2
    assert "docker29.sh start" in done.stderr


PRIVATE = REPO_ROOT / "scripts" / "engines" / "private.sh"


def _private(
    tmp_path: Path, *args: str, path: str, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    clean = {"PATH": path, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env or {})}
    return subprocess.run(["bash", str(PRIVATE), *args], capture_output=True, text=True, env=clean)


def _path_without_dockerd(tmp_path: Path) -> str:
    """A PATH with the machine's tools but no dockerd, wherever the machine keeps it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for directory in ("/usr/bin", "/bin"):
        for tool in Path(directory).iterdir():
            if tool.name != "dockerd" and not (tools / tool.name).exists():
                (tools / tool.name).symlink_to(tool)
    return str(tools)


def test_the_private_engine_without_a_command_prints_its_usage(tmp_path: Path):
    done = _private(tmp_path, path="/usr/bin:/bin")
    assert done.returncode == 2
    assert "private.sh start" in done.stderr and "private.sh restart" in done.stderr


def test_the_private_engine_runs_the_machines_own_dockerd(tmp_path: Path):
    """Outside Docker 29's namespace the engine under test is the machine's: a second one from its binaries."""
    own = tmp_path / "opt" / "docker"
    own.mkdir(parents=True)
    (own / "dockerd").write_text("#!/bin/sh\necho 'Docker version 27.5.1, build 4c9b3b0'\n")
    (own / "dockerd").chmod(0o755)
    done = _private(tmp_path, "which", path=f"{own}:/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["DOCKER29_LABEL=a private Docker 27.5.1", f"DOCKER29_BIN_DIR={own}"]


def test_the_private_engine_inside_docker_29s_namespace_is_docker_29(tmp_path: Path):
    done = _private(tmp_path, "which", path="/usr/bin:/bin", env={"DOCKER29_NETNS": "dn-docker29"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "DOCKER29_LABEL=a private Docker 29.8.1"
    assert done.stdout.splitlines()[1].endswith(f"/engines/{ENGINE_DIR}/bin")


def test_the_private_engine_without_a_dockerd_on_path_says_so(tmp_path: Path):
    done = _private(tmp_path, "start", path=_path_without_dockerd(tmp_path))
    assert done.returncode == 1
    assert "no dockerd on PATH" in done.stderr, done.stderr


def _relay_module():
    spec = importlib.util.spec_from_file_location("dns_relay", REPO_ROOT / "scripts" / "engines" / "dns_relay.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _udp(address: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    return sock


def test_the_dns_relay_hands_each_query_to_the_upstream_and_its_answer_back(tmp_path: Path):
    relay = _relay_module()
    upstream = _udp()
    silent = _udp()  # a server that never answers: that query times out, the relay goes on

    def answer() -> None:
        while True:
            query, client = upstream.recvfrom(512)
            upstream.sendto(b"answer to " + query, client)

    listener, dead_end = _udp(), _udp()
    for sock in (listener, dead_end):
        sock.setblocking(False)
    routes = {listener: upstream.getsockname(), dead_end: silent.getsockname()}
    threading.Thread(target=answer, daemon=True).start()
    threading.Thread(target=relay.serve, args=([listener, dead_end], routes.__getitem__), daemon=True).start()

    client = _udp()
    client.settimeout(5)
    client.sendto(b"q0", dead_end.getsockname())
    for number in range(1, 4):
        client.sendto(f"q{number}".encode(), listener.getsockname())
        assert client.recvfrom(512) == (f"answer to q{number}".encode(), listener.getsockname())
    assert silent.recv(512) == b"q0"


def test_the_dns_relay_answers_on_each_nameservers_own_address_port_53():
    relay = _relay_module()
    listener = _udp("127.0.0.1")
    assert relay.same_address(listener) == ("127.0.0.1", 53)
