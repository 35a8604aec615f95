"""harness/toolchain.py: what the bench says it ran on, from recorded command outputs and marker files laid
out as `make setup` lays them out (a link on PATH into the cache, the marker beside the real binary)."""

import json
from pathlib import Path
from typing import Optional

from harness.toolchain import (
    BUILT_MARKER,
    Engine,
    Tool,
    Toolchain,
    cli_tool,
    declared_plugin_version,
    describe,
    engine_facts,
    find_plugin,
    language_host_binary,
    language_host_tool,
    parse_cli_version,
    plugin_tool,
)

# Recorded on this project's build machine (Pulumi CLI 3.274.1, Debian's docker.io 20.10.24); the plugin
# list with another docker version and another kind of the same name added, which must not count.
PULUMI_VERSION = "v3.274.1\n"
PLUGIN_LS = """[
  {
    "name": "docker",
    "kind": "resource",
    "version": "4.5.0",
    "size": 101234567
  },
  {
    "name": "docker",
    "kind": "resource",
    "version": "5.2.0",
    "size": 82346206,
    "installTime": "2026-12-02T02:51:20.714Z",
    "lastUsedTime": "2026-12-02T02:54:33.806Z"
  },
  {
    "name": "docker",
    "kind": "converter",
    "version": "5.2.0",
    "size": 1
  }
]
"""
PULUMI_DOCKER_PLUGIN_JSON = '{\n  "resource": true,\n  "name": "docker",\n  "version": "5.2.0"\n}\n'
ENGINE_VERSION = {
    "Version": "20.10.24+dfsg1",
    "ApiVersion": "1.41",
    "MinAPIVersion": "1.12",
    "Os": "linux",
    "Arch": "amd64",
    "KernelVersion": "6.18.44-fc-v669",
    "GoVersion": "go1.19.8",
}
ENGINE_INFO = {
    "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
    "Driver": "overlay2",
    "DriverStatus": [
        ["Backing Filesystem", "extfs"],
        ["Supports d_type", "true"],
        ["Native Overlay Diff", "true"],
        ["userxattr", "false"],
    ],
    "NCPU": 2,
}
# Docker 24+ with the containerd image store: `docker info` shows "driver-type: io.containerd.snapshotter.v1".
CONTAINERD_INFO = {
    "OperatingSystem": "Ubuntu 24.04.1 LTS",
    "Driver": "overlayfs",
    "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]],
}


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def linked(link: Path, target: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def cli_dir_with(tmp_path: Path, *files: str) -> Path:
    """The set-up's cache directory of one CLI version, holding `files` beside the binary."""
    cli_dir = tmp_path / "cache" / "pulumi-cli" / "3.274.1"
    executable(cli_dir / "pulumi")
    for name in files:
        (cli_dir / name).write_text("")
    return cli_dir


def test_the_cli_version_is_named_without_the_v():
    assert parse_cli_version(PULUMI_VERSION) == "3.274.1"


def test_a_cli_with_the_marker_beside_its_real_binary_is_the_projects_build(tmp_path: Path):
    cli_dir = cli_dir_with(tmp_path, BUILT_MARKER)
    on_path = linked(tmp_path / "repo" / ".tools" / "bin" / "pulumi", cli_dir / "pulumi")
    assert cli_tool(on_path, "3.274.1") == Tool(version="3.274.1", path=str(cli_dir / "pulumi"), official=False)


def test_a_cli_without_the_marker_is_official_even_if_its_link_sits_beside_one(tmp_path: Path):
    cli_dir = cli_dir_with(tmp_path)
    tools_bin = tmp_path / "repo" / ".tools" / "bin"
    on_path = linked(tools_bin / "pulumi", cli_dir / "pulumi")
    (tools_bin / BUILT_MARKER).write_text("")  # beside the link, not the binary: says nothing
    assert cli_tool(on_path, "3.274.1").official is True


def test_no_cli_on_path_is_reported_as_not_found():
    assert cli_tool(None, None) == Tool(version=None, path=None, official=None)


def test_the_host_beside_the_real_cli_wins_over_the_one_on_path(tmp_path: Path):
    cli_dir = cli_dir_with(tmp_path, "program_runner.py")
    host = executable(cli_dir / "pulumi-language-python")
    elsewhere = executable(tmp_path / "usr" / "bin" / "pulumi-language-python")
    assert language_host_binary(cli_dir / "pulumi", elsewhere) == host
    assert language_host_tool(host) == Tool(version=None, path=str(host), official=False)


def test_a_host_without_the_runner_beside_it_is_the_official_one(tmp_path: Path):
    cli_dir = cli_dir_with(tmp_path)
    host = executable(cli_dir / "pulumi-language-python")
    assert language_host_tool(language_host_binary(cli_dir / "pulumi", None)).official is True
    assert language_host_tool(host).path == str(host)


def test_without_a_host_beside_the_cli_the_one_on_path_counts_at_its_real_path(tmp_path: Path):
    cli_dir = cli_dir_with(tmp_path)
    own_dir = tmp_path / "cache" / "language-host"
    host = executable(own_dir / "pulumi-language-python")
    (own_dir / "program_runner.py").write_text("")
    on_path = linked(tmp_path / "bin" / "pulumi-language-python", host)
    found = language_host_binary(cli_dir / "pulumi", on_path)
    assert found == host and language_host_tool(found).official is False


def test_no_host_anywhere_is_reported_as_not_found(tmp_path: Path):
    assert language_host_binary(cli_dir_with(tmp_path) / "pulumi", None) is None
    assert language_host_tool(None) == Tool(version=None, path=None, official=None)


def test_only_the_docker_plugin_version_pulumi_docker_declares_counts():
    declared = declared_plugin_version(PULUMI_DOCKER_PLUGIN_JSON)
    assert declared == "5.2.0"
    entry = find_plugin(PLUGIN_LS, "docker", declared)
    assert entry is not None and (entry["kind"], entry["version"]) == ("resource", "5.2.0")
    assert find_plugin(PLUGIN_LS, "docker", "5.3.0") is None


def test_no_plugins_installed_finds_none():
    assert find_plugin("null", "docker", "5.2.0") is None  # what the CLI prints with no plugin at all
    assert find_plugin("[]", "docker", "5.2.0") is None


def plugin_entry() -> dict:
    entry = find_plugin(PLUGIN_LS, "docker", "5.2.0")
    assert entry is not None
    return entry


def test_a_plugin_with_the_marker_in_its_install_directory_is_the_projects_build(tmp_path: Path):
    directory = tmp_path / "plugins" / "resource-docker-v5.2.0"
    executable(directory / "pulumi-resource-docker")
    (directory / BUILT_MARKER).write_text("")
    assert plugin_tool(plugin_entry(), "5.2.0", tmp_path) == Tool(version="5.2.0", path=str(directory), official=False)


def test_a_plugin_without_the_marker_is_official(tmp_path: Path):
    executable(tmp_path / "plugins" / "resource-docker-v5.2.0" / "pulumi-resource-docker")
    assert plugin_tool(plugin_entry(), "5.2.0", tmp_path).official is True


def test_a_plugin_that_is_not_installed_keeps_the_declared_version(tmp_path: Path):
    assert plugin_tool(None, "5.2.0", tmp_path) == Tool(version="5.2.0", path=None, official=None)


def test_the_engine_is_described_from_its_version_and_info():
    assert engine_facts(ENGINE_VERSION, ENGINE_INFO) == Engine(
        version="20.10.24+dfsg1",
        api_version="1.41",
        os_arch="linux/amd64",
        operating_system="Debian GNU/Linux 12 (bookworm)",
        storage_driver="overlay2",
        containerd_image_store=False,
    )


def test_the_containerd_image_store_shows_in_the_driver_status():
    assert engine_facts(ENGINE_VERSION, CONTAINERD_INFO).containerd_image_store is True


def toolchain(engine: Optional[Engine]) -> Toolchain:
    return Toolchain(
        cli=Tool("3.274.1", "/cache/pulumi-cli/3.274.1/pulumi", official=False),
        language_host=Tool(None, "/cache/pulumi-cli/3.274.1/pulumi-language-python", official=False),
        docker_plugin=Tool("5.2.0", "/home/.pulumi/plugins/resource-docker-v5.2.0", official=True),
        engine=engine,
        cores=2,
        machine="build-1, Linux-6.1.0-x86_64-with-glibc2.36",
    )


def test_the_description_is_one_line_naming_every_piece_and_where_it_came_from():
    line = describe(toolchain(engine_facts(ENGINE_VERSION, ENGINE_INFO)))
    assert "\n" not in line
    assert "Pulumi CLI 3.274.1 (built from source, /cache/pulumi-cli/3.274.1/pulumi)" in line
    assert "Python language host (the project's own fallback, /cache/pulumi-cli/3.274.1/pulumi-language-python)" in line
    assert "docker plugin 5.2.0 (official, /home/.pulumi/plugins/resource-docker-v5.2.0)" in line
    assert (
        "Docker engine 20.10.24+dfsg1 (API 1.41, linux/amd64, Debian GNU/Linux 12 (bookworm), overlay2, "
        "containerd image store no)"
    ) in line
    assert line.endswith("2 cores; build-1, Linux-6.1.0-x86_64-with-glibc2.36")


def test_what_is_missing_is_said_not_guessed():
    chain = toolchain(None)
    missing = Toolchain(
        cli=Tool(None, None, None),
        language_host=Tool(None, None, None),
        docker_plugin=Tool("5.2.0", None, None),
        engine=None,
        cores=chain.cores,
        machine=chain.machine,
    )
    line = describe(missing)
    assert "Pulumi CLI (not found)" in line and "docker plugin 5.2.0 (not found)" in line and "no engine" in line


def test_the_json_form_carries_the_same_facts():
    chain = toolchain(engine_facts(ENGINE_VERSION, ENGINE_INFO))
    recorded = json.loads(json.dumps(chain.to_json()))
    assert recorded["cli"] == {"version": "3.274.1", "path": "/cache/pulumi-cli/3.274.1/pulumi", "official": False}
    assert recorded["language_host"]["official"] is False and recorded["docker_plugin"]["official"] is True
    assert recorded["engine"]["api_version"] == "1.41" and recorded["engine"]["containerd_image_store"] is False
    assert (recorded["cores"], recorded["machine"]) == (2, "build-1, Linux-6.1.0-x86_64-with-glibc2.36")
