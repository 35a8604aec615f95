"""scripts/engines/docker29.sh without an engine: which mounts it replays inside the namespace, what `env`
prints, that a cached build asks nothing of Go, that the restart stand-in only restarts Docker 29, and
that the DNS relay hands queries and answers through."""

import importlib.util
import socket
import subprocess
import threading
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "engines" / "docker29.sh"
SHIM = REPO_ROOT / "scripts" / "engines" / "restart" / "dockerd"
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


def test_the_restart_stand_in_outside_run_starts_nothing(tmp_path: Path):
    done = subprocess.run([str(SHIM)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert "use docker29.sh run" in done.stderr


def test_the_restart_stand_in_refuses_arguments_a_real_dockerd_would_take(tmp_path: Path):
    done = subprocess.run([str(SHIM), "--data-root", "/var/lib/docker"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "only restarts Docker 29" in done.stderr


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
