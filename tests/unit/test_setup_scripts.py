"""The set-up's answers to a person's environment, with stand-ins for `pulumi` and `docker` on PATH:
which Pulumi CLI it runs, what it says about an engine it cannot use, and what `make -s env` keeps."""

import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

from tests.conftest import REPO_ROOT

from .doubles.contexts import use_context, write_context

SCRIPTS = REPO_ROOT / "scripts"
PINNED = "3.274.1"


def _stand_in(directory: Path, name: str, script: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return path


def _run(
    script: str, tmp_path: Path, path_dirs: list, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    clean = {
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PATH": ":".join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        **(env or {}),
    }
    return subprocess.run(["bash", str(SCRIPTS / script)], env=clean, capture_output=True, text=True)


@pytest.fixture
def pinned_cli(tmp_path: Path) -> Path:
    """The pinned CLI as an earlier set-up left it in the per-user cache."""
    cached = tmp_path / "cache" / "docker-networking-iac" / "pulumi-cli" / PINNED
    _stand_in(cached, "pulumi", f"echo v{PINNED}")
    return cached


def test_a_recent_pulumi_on_path_with_its_language_host_is_used_where_it_is(tmp_path: Path, pinned_cli: Path):
    mine = tmp_path / "opt" / "pulumi"
    _stand_in(mine, "pulumi", "echo v3.280.0")
    _stand_in(mine, "pulumi-language-python", "exit 0")
    done = _run("toolchain/pulumi_cli.sh", tmp_path, [mine])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(mine)
    assert "using your Pulumi CLI" in done.stderr


def test_a_pulumi_older_than_the_minimum_is_named_with_the_fix_and_the_pinned_one_runs(
    tmp_path: Path, pinned_cli: Path
):
    old = tmp_path / "old"
    _stand_in(old, "pulumi", "echo v3.100.0")
    _stand_in(old, "pulumi-language-python", "exit 0")
    done = _run("toolchain/pulumi_cli.sh", tmp_path, [old])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(pinned_cli)
    assert f"{old}/pulumi is v3.100.0, older than v3.272.0" in done.stderr
    assert "Fix: upgrade it" in done.stderr


def test_a_pulumi_without_a_language_host_beside_it_is_not_used(tmp_path: Path, pinned_cli: Path):
    bare = tmp_path / "bare"
    _stand_in(bare, "pulumi", "echo v3.280.0")
    done = _run("toolchain/pulumi_cli.sh", tmp_path, [bare])
    assert done.stdout.strip() == str(pinned_cli)
    assert "has no pulumi-language-python beside it" in done.stderr


def test_an_engine_that_refuses_the_socket_names_the_docker_group(tmp_path: Path):
    fake = _stand_in(
        tmp_path / "bin",
        "docker",
        "echo 'permission denied while trying to connect to the "
        "Docker daemon socket at unix:///var/run/docker.sock' >&2; exit 1",
    ).parent
    done = _run("engine.sh", tmp_path, [fake])
    assert done.returncode == 1
    assert "permission denied on the engine's socket" in done.stderr
    assert "usermod -aG docker" in done.stderr


def test_an_engine_that_does_not_answer_at_docker_host_names_docker_host(tmp_path: Path):
    done = _run("engine.sh", tmp_path, [], env={"DOCKER_HOST": f"unix://{tmp_path}/nobody.sock"})
    assert done.returncode == 1
    assert f"no Docker engine answers at unix://{tmp_path}/nobody.sock" in done.stderr
    assert "correct or unset DOCKER_HOST" in done.stderr


def test_env_before_the_set_up_prints_no_exports_and_says_what_to_run(tmp_path: Path):
    """In a fresh clone `eval "$(make -s env)"` must not leave `pulumi` "command not found" unexplained."""
    clone = tmp_path / "clone" / "scripts"
    clone.mkdir(parents=True)
    for name in ("env.sh", "lib.sh"):
        (clone / name).write_text((SCRIPTS / name).read_text())
    done = subprocess.run(
        ["bash", str(clone / "env.sh")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "the set-up has not run in this clone yet: run `make setup`" in done.stderr, done.stderr


def test_env_keeps_the_persons_backend_and_passphrase(tmp_path: Path):
    done = _run(
        "env.sh", tmp_path, [], env={"PULUMI_BACKEND_URL": "s3://my-state", "PULUMI_CONFIG_PASSPHRASE": "theirs"}
    )
    assert 'export PULUMI_BACKEND_URL="s3://my-state"' in done.stdout.splitlines()
    assert "PULUMI_CONFIG_PASSPHRASE" not in done.stdout


def test_env_defaults_to_the_projects_file_backend_and_passphrase_file(tmp_path: Path):
    lines = _run("env.sh", tmp_path, []).stdout.splitlines()
    assert f'export PULUMI_BACKEND_URL="file://{tmp_path}/home/.pulumi-docker-networking"' in lines
    assert f'export PULUMI_CONFIG_PASSPHRASE_FILE="{tmp_path}/config/docker-networking-iac/passphrase"' in lines


def test_env_hands_the_current_docker_context_over_as_docker_host(tmp_path: Path):
    """pulumi-docker's provider reads no current context: every part of the stack gets it as DOCKER_HOST."""
    docker_dir = tmp_path / "home" / ".docker"
    write_context(docker_dir, "build-box", "ssh://deploy@engine.example:2222")
    use_context(docker_dir, "build-box")
    lines = _run("env.sh", tmp_path, []).stdout.splitlines()
    assert lines[-2:] == ['export DOCKER_HOST="ssh://deploy@engine.example:2222"', "unset DOCKER_CONTEXT"]


def test_env_leaves_docker_host_and_a_missing_context_to_the_program(tmp_path: Path):
    assert "DOCKER_HOST" not in _run("env.sh", tmp_path, [], env={"DOCKER_HOST": "tcp://10.0.0.5:2375"}).stdout
    missing = _run("env.sh", tmp_path, [], env={"DOCKER_CONTEXT": "does-not-exist"})
    assert missing.returncode == 0 and "DOCKER" not in missing.stdout


def test_the_test_harness_takes_over_what_env_exports_and_unsets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from harness.project_copy import toolchain_env

    write_context(tmp_path, "build-box", "ssh://deploy@engine.example:2222")
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "build-box")
    env = toolchain_env()
    assert env["DOCKER_HOST"] == "ssh://deploy@engine.example:2222"
    assert "DOCKER_CONTEXT" not in env and not any(" " in key for key in env)
