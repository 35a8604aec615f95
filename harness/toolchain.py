"""What a benchmark figure ran on: the Pulumi CLI, the Python language host, the docker plugin, the engine.

Where no download answers, `make setup` builds the CLI and the docker plugin from source and runs the
project's own language host: other programs than the official ones, on which `pulumi up` need not take the
same time, as it need not on another engine or machine. So a figure is comparable only with what it ran
on. The set-up marks what it built: a file BUILT_FROM_SOURCE beside the CLI binary and in the docker
plugin's install directory, and program_runner.py beside the project's own language host.

The pure functions below read recorded command outputs and a file system; `collect()` runs the commands.
"""

import importlib.util
import json
import os
import platform
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

BUILT_MARKER = "BUILT_FROM_SOURCE"  # scripts/lib.sh BUILT_MARKER
# Beside the project's own language host; language_host.py marked it in set-ups before the Go host.
OWN_HOST_MARKERS = ("program_runner.py", "language_host.py")
LANGUAGE_HOST = "pulumi-language-python"
DOCKER_PLUGIN = "docker"
# docker info's DriverStatus says so when the engine stores images in containerd (Docker 24 and later).
CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter"


@dataclass(frozen=True)
class Tool:
    """One piece of the toolchain; `path` None: not found. `official` False: built by this project."""

    version: Optional[str]
    path: Optional[str]
    official: Optional[bool]


@dataclass(frozen=True)
class Engine:
    version: str
    api_version: str
    os_arch: str
    operating_system: str
    storage_driver: str
    containerd_image_store: bool


@dataclass(frozen=True)
class Toolchain:
    cli: Tool
    language_host: Tool
    docker_plugin: Tool
    engine: Optional[Engine]  # None: no engine answered
    cores: int
    machine: str

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)


# --- pure: recorded outputs and files in, facts out ---------------------------------------------------


def parse_cli_version(printed: str) -> str:
    """`pulumi version` prints `v3.274.1`; the figures name versions without the v."""
    return printed.strip().removeprefix("v")


def built_here(directory: Path, marker: str = BUILT_MARKER) -> bool:
    return (directory / marker).exists()


def cli_tool(on_path: Optional[Path], version: Optional[str]) -> Tool:
    """The CLI at its real path: PATH holds a link (.tools/bin/pulumi) into the set-up's cache or to an
    installed CLI, and the marker sits beside the binary itself."""
    if on_path is None:
        return Tool(version=None, path=None, official=None)
    real_binary = Path(os.path.realpath(on_path))
    return Tool(version=version, path=str(real_binary), official=not built_here(real_binary.parent))


def language_host_binary(real_cli: Optional[Path], on_path: Optional[Path]) -> Optional[Path]:
    """The host the CLI starts: the one beside its real binary, where it looks for bundled plugins first,
    else the one on PATH. Returned resolved: the project's own host is a link to a cached build."""
    beside = real_cli.parent / LANGUAGE_HOST if real_cli is not None else None
    chosen = beside if beside is not None and beside.exists() else on_path
    return Path(os.path.realpath(chosen)) if chosen is not None else None


def language_host_tool(real_host: Optional[Path]) -> Tool:
    """Official, or the project's own (scripts/toolchain/language-host), told apart by the runner beside it.
    Neither says its version: the official one comes with its CLI."""
    if real_host is None:
        return Tool(version=None, path=None, official=None)
    own = any((real_host.parent / marker).exists() for marker in OWN_HOST_MARKERS)
    return Tool(version=None, path=str(real_host), official=not own)


def declared_plugin_version(plugin_json: str) -> str:
    """The docker plugin version a pulumi_docker package declares in its pulumi-plugin.json."""
    return str(json.loads(plugin_json)["version"]).removeprefix("v")


def find_plugin(plugin_ls_json: str, name: str, version: str, kind: str = "resource") -> Optional[Dict[str, Any]]:
    """The entry of `pulumi plugin ls --json` for exactly that plugin and version (the CLI prints null
    when no plugin is installed)."""
    entries: List[Dict[str, Any]] = json.loads(plugin_ls_json or "null") or []
    for entry in entries:
        listed = (entry.get("name"), entry.get("kind"), str(entry.get("version", "")).removeprefix("v"))
        if listed == (name, kind, version):
            return entry
    return None


def plugin_directory(entry: Mapping[str, Any], pulumi_home: Path) -> Path:
    """Where the CLI installed a plugin. `plugin ls --json` gives no path (3.274.1: name, kind, version, size
    and times), so the directory the CLI always uses: $PULUMI_HOME/plugins/<kind>-<name>-v<version>."""
    version = str(entry["version"]).removeprefix("v")
    return pulumi_home / "plugins" / f"{entry['kind']}-{entry['name']}-v{version}"


def plugin_tool(entry: Optional[Mapping[str, Any]], version: str, pulumi_home: Path) -> Tool:
    if entry is None:
        return Tool(version=version, path=None, official=None)
    directory = plugin_directory(entry, pulumi_home)
    return Tool(version=version, path=str(directory), official=not built_here(directory))


def engine_facts(version: Mapping[str, Any], info: Mapping[str, Any]) -> Engine:
    """From the engine's /version and /info (docker-py's `.version()` and `.info()`)."""
    driver_status = info.get("DriverStatus") or []
    containerd = any(
        key == "driver-type" and str(value).startswith(CONTAINERD_SNAPSHOTTER) for key, value in driver_status
    )
    return Engine(
        version=str(version.get("Version", "?")),
        api_version=str(version.get("ApiVersion", "?")),
        os_arch=f"{version.get('Os', '?')}/{version.get('Arch', '?')}",
        operating_system=str(info.get("OperatingSystem", "?")),
        storage_driver=str(info.get("Driver", "?")),
        containerd_image_store=containerd,
    )


def _tool_text(name: str, tool: Tool, built: str) -> str:
    versioned = f"{name} {tool.version}" if tool.version else name
    if tool.path is None:
        return f"{versioned} (not found)"
    return f"{versioned} ({'official' if tool.official else built}, {tool.path})"


def _engine_text(engine: Optional[Engine]) -> str:
    if engine is None:
        return "no engine"
    store = "yes" if engine.containerd_image_store else "no"
    return (
        f"Docker engine {engine.version} (API {engine.api_version}, {engine.os_arch}, {engine.operating_system}, "
        f"{engine.storage_driver}, containerd image store {store})"
    )


def describe(chain: Toolchain) -> str:
    """One line, to print before the figures and beside them."""
    return "toolchain: " + "; ".join(
        [
            _tool_text("Pulumi CLI", chain.cli, "built from source"),
            _tool_text("Python language host", chain.language_host, "the project's own fallback"),
            _tool_text("docker plugin", chain.docker_plugin, "built from source"),
            _engine_text(chain.engine),
            f"{chain.cores} cores",
            chain.machine,
        ]
    )


# --- thin: run the commands ---------------------------------------------------------------------------


def _printed(command: List[str], env: Mapping[str, str]) -> Optional[str]:
    try:
        done = subprocess.run(command, env=dict(env), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _which(name: str, env: Mapping[str, str]) -> Optional[Path]:
    found = shutil.which(name, path=env.get("PATH"))
    return Path(found) if found else None


def _installed_pulumi_docker_declares() -> Optional[str]:
    """Found without importing pulumi_docker (which imports the whole SDK)."""
    spec = importlib.util.find_spec("pulumi_docker")
    if spec is None or spec.origin is None:
        return None
    return declared_plugin_version((Path(spec.origin).parent / "pulumi-plugin.json").read_text())


def _engine(env: Mapping[str, str]) -> Optional[Engine]:
    import docker  # the bench's dependency, not every caller's
    import requests

    from components.engine.docker_api import docker_client
    from components.engine.endpoint import EndpointError

    try:
        client = docker_client(env)
    except (docker.errors.DockerException, requests.exceptions.RequestException, EndpointError, OSError):
        return None
    try:
        return engine_facts(client.version(), client.info())
    except docker.errors.DockerException:
        return None
    finally:
        client.close()


def collect(env: Mapping[str, str]) -> Toolchain:
    """What `pulumi` and the engine are in `env` (what `make -s env` sets: PATH, maybe PULUMI_HOME)."""
    on_path = _which("pulumi", env)
    printed = _printed([str(on_path), "version"], env) if on_path else None
    cli = cli_tool(on_path, parse_cli_version(printed) if printed else None)
    real_cli = Path(cli.path) if cli.path else None
    host = language_host_binary(real_cli, _which(LANGUAGE_HOST, env))
    declared = _installed_pulumi_docker_declares() or "?"
    listed = _printed([str(on_path), "plugin", "ls", "--json"], env) if on_path else None
    entry = find_plugin(listed, DOCKER_PLUGIN, declared) if listed else None
    pulumi_home = Path(env.get("PULUMI_HOME") or Path.home() / ".pulumi")
    return Toolchain(
        cli=cli,
        language_host=language_host_tool(host),
        docker_plugin=plugin_tool(entry, declared, pulumi_home),
        engine=_engine(env),
        cores=os.cpu_count() or 0,
        machine=f"{platform.node()}, {platform.platform()}",
    )


def language_host_in_use(env: Mapping[str, str]) -> Tool:
    """The language host the CLI in `env` starts (no engine, no plugin list: cheap enough for test collection)."""
    on_path = _which("pulumi", env)
    real_cli = Path(os.path.realpath(on_path)) if on_path else None
    return language_host_tool(language_host_binary(real_cli, _which(LANGUAGE_HOST, env)))
