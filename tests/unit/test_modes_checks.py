"""The modes scenario's settings and checks, pure, with the engine and this machine's ports injected."""

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, cast

import pytest

from components.engine.client import EngineClient, NotFound
from components.errors import ConfigError
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL
from components.tomcat.network_modes import MOVE_TOMCAT
from scenarios.modes_settings import (
    JOINABLE,
    LiveModesView,
    ModesSettings,
    ModesStackConfig,
    check_host_port,
    scenario_settings,
    stale_namespace_warning,
    started_at,
)
from scenarios.tomcat_settings import ImageSettings

from .doubles.stack_config import stack_config

IMAGE = ImageSettings("docker-networking/tomcat:local")
PREFIX = "it-abc123-"
SETTINGS = ModesSettings(image=IMAGE, host_port=18080, name_prefix=PREFIX)
REFERENCE_ID = "r" * 64


@dataclass
class FakeView:
    """The engine and this machine as the checks see them; `asked` lists the containers looked up."""

    engine: str = "unix:///var/run/docker.sock"
    local: bool = True
    taken: Set[int] = field(default_factory=set)
    published: Dict[int, List[str]] = field(default_factory=dict)
    containers: Dict[str, Mapping[str, Any]] = field(default_factory=dict)
    asked: List[str] = field(default_factory=list)

    def port_is_free(self, port: int) -> bool:
        return port not in self.taken

    def publishers(self, port: int) -> List[str]:
        return self.published.get(port, [])

    def container(self, name_or_id: str) -> Optional[Mapping[str, Any]]:
        self.asked.append(name_or_id)
        return next((c for c in self.containers.values() if name_or_id in (c["Id"], c["Name"].lstrip("/"))), None)


def inspect(
    name: str,
    container_id: str,
    *,
    mode: str = "bridge",
    running: bool = True,
    started: str = "2026-12-02T03:10:56.5Z",
    env: Optional[List[str]] = None,
    stack: str = "modes",
    prefix: str = PREFIX,
) -> Dict[str, Any]:
    """The part of `docker inspect` the checks read."""
    labels = {PROJECT_LABEL: PROJECT_VALUE, STACK_LABEL: stack, **({NAME_PREFIX_LABEL: prefix} if prefix else {})}
    return {
        "Id": container_id,
        "Name": f"/{name}",
        "HostConfig": {"NetworkMode": mode},
        "State": {"Running": running, "StartedAt": started},
        "Config": {"Labels": labels, "Env": env or []},
    }


def view_with(*containers: Dict[str, Any], **kwargs: Any) -> FakeView:
    return FakeView(containers={c["Id"]: c for c in containers}, **kwargs)


# --- settings ------------------------------------------------------------------------------------------


def parse_modes(raw: Any, name_prefix: str = "") -> ModesSettings:
    """The scenario's settings from `docker-networking:modes` as Pulumi stores it."""
    return scenario_settings(stack_config(ModesStackConfig, {"modes": raw, "namePrefix": name_prefix}))


def test_defaults_are_the_tutorials_port_and_the_reference_container():
    settings = parse_modes({})
    assert (settings.host_port, settings.joins, settings.host_url) == (
        8080,
        "tomcat-reference",
        "http://127.0.0.1:8080/",
    )
    assert settings.name("tomcat-host") == "tomcat-host" and settings.labels == {}


def test_a_prefix_goes_before_every_name_and_becomes_a_label():
    settings = parse_modes({"hostPort": "18080", "containerJoins": "tomcat-none"}, name_prefix=PREFIX)
    assert (settings.host_port, settings.joins) == (18080, "tomcat-none")  # `--path` stores the port as text
    assert settings.name("tomcat-container") == "it-abc123-tomcat-container"
    assert settings.labels == {NAME_PREFIX_LABEL: PREFIX}


@pytest.mark.parametrize(
    "raw, setting, problem",
    [
        ({"hostPort": 0}, "modes.hostPort", "is not a TCP port"),
        ({"hostPort": "http"}, "modes.hostPort", "is not a TCP port"),
        ({"hostport": 8080}, "modes.hostport", "is not a setting here"),
        (
            {"containerJoins": "tomcat-ref"},
            "modes.containerJoins",
            "'tomcat-ref' is not a container this stack defines",
        ),
        ({"containerJoins": "it-abc123-tomcat-reference"}, "modes.containerJoins", "is not a container this stack"),
        (
            {"containerJoins": "tomcat-host"},
            "modes.containerJoins",
            "joining it would put tomcat-container in the host's",
        ),
        ({"containerJoins": "tomcat-container"}, "modes.containerJoins", "cannot join its own network namespace"),
        ({"containerJoins": 3}, "modes.containerJoins", "3 is not a container this stack defines"),
    ],
)
def test_bad_settings_name_the_setting(raw, setting, problem):
    with pytest.raises(ConfigError) as raised:
        parse_modes(raw, name_prefix=PREFIX)
    assert raised.value.setting == f"docker-networking:{setting}"
    assert problem in raised.value.problem


def test_a_bad_container_to_join_lists_the_ones_it_can_join():
    with pytest.raises(ConfigError) as raised:
        parse_modes({"containerJoins": "redis-1"})
    assert all(name in raised.value.fix for name in JOINABLE)
    assert "without namePrefix" in raised.value.fix


# --- the host port -------------------------------------------------------------------------------------


def test_a_free_port_passes_without_a_word():
    view = FakeView()
    assert check_host_port(SETTINGS, "modes", view) is None
    assert view.asked == []  # the engine's containers are only looked at when the port is taken


def test_a_port_something_listens_on_is_refused_with_the_fix():
    with pytest.raises(ConfigError) as raised:
        check_host_port(SETTINGS, "modes", FakeView(taken={18080}))
    error = raised.value
    assert error.setting == "docker-networking:modes.hostPort"
    assert error.problem == "port 18080 on 127.0.0.1 of this machine is already in use"
    assert "pulumi config set --path modes.hostPort" in error.fix and "ss -ltnp 'sport = :18080'" in error.fix


def test_the_stacks_own_tomcat_host_may_hold_its_port():
    own = inspect(f"{PREFIX}tomcat-host", "h" * 64, mode="host", env=["TOMCAT_HTTP_PORT=18080"])
    assert check_host_port(SETTINGS, "modes", view_with(own, taken={18080})) is None


@pytest.mark.parametrize(
    "changes",
    [{"stack": "other"}, {"prefix": ""}, {"mode": "bridge"}, {"running": False}, {"env": ["TOMCAT_HTTP_PORT=8080"]}],
)
def test_a_tomcat_host_that_is_not_this_deployments_on_this_port_does_not_count(changes):
    other = inspect(f"{PREFIX}tomcat-host", "h" * 64, **{"mode": "host", "env": ["TOMCAT_HTTP_PORT=18080"], **changes})
    with pytest.raises(ConfigError, match="already in use"):
        check_host_port(SETTINGS, "modes", view_with(other, taken={18080}))


def test_a_port_a_container_publishes_is_refused_naming_it_even_on_a_remote_engine():
    with pytest.raises(ConfigError) as raised:
        check_host_port(SETTINGS, "modes", FakeView(local=False, published={18080: ["tomcat01"]}))
    assert raised.value.problem == "host port 18080 is published by the container tomcat01"


def test_a_remote_engine_gets_a_warning_that_says_what_was_not_checked():
    warning = check_host_port(SETTINGS, "modes", FakeView(engine="tcp://build-box:2376", local=False, taken={18080}))
    assert warning is not None
    assert warning.startswith("setting 'docker-networking:modes.hostPort': cannot check that port 18080 is free")
    assert "tcp://build-box:2376" in warning and "docker logs it-abc123-tomcat-host" in warning


# --- tomcat-container's namespace ----------------------------------------------------------------------

JOINER = f"{PREFIX}tomcat-container"


def joiner(started: str = "2026-12-02T03:10:57.25Z", running: bool = True) -> Dict[str, Any]:
    return inspect(JOINER, "c" * 64, mode=f"container:{REFERENCE_ID}", started=started, running=running)


def test_nothing_deployed_or_a_joiner_in_its_containers_namespace_is_fine():
    reference = inspect(f"{PREFIX}tomcat-reference", REFERENCE_ID, started="2026-12-02T03:10:56.987654321Z")
    assert stale_namespace_warning(SETTINGS, FakeView()) is None
    assert stale_namespace_warning(SETTINGS, view_with(reference, joiner())) is None
    assert stale_namespace_warning(SETTINGS, view_with(reference, joiner(running=False))) is None


def test_a_joined_container_started_again_leaves_the_joiner_behind():
    reference = inspect(f"{PREFIX}tomcat-reference", REFERENCE_ID, started="2026-12-02T03:11:40.1Z")
    warning = stale_namespace_warning(SETTINGS, view_with(reference, joiner()))
    assert warning == (
        f"{JOINER} is in a network namespace {PREFIX}tomcat-reference no longer has ({PREFIX}"
        f"tomcat-reference started again after {JOINER} did, outside Pulumi): it has only lo. Fix: "
        f"docker restart {JOINER} (it joins {PREFIX}tomcat-reference's namespace again)"
    )


def test_a_stopped_joined_container_is_started_first():
    reference = inspect(f"{PREFIX}tomcat-reference", REFERENCE_ID, running=False)
    warning = stale_namespace_warning(SETTINGS, view_with(reference, joiner()))
    assert (
        warning is not None and f"Fix: docker start {PREFIX}tomcat-reference, then docker restart {JOINER}" in warning
    )


def test_a_joined_container_removed_outside_pulumi_asks_for_a_refresh():
    # Looked up by the id the joiner's mode names: a new container of the same name is another namespace.
    again = inspect(f"{PREFIX}tomcat-reference", "n" * 64, started="2026-12-02T03:12:00Z")
    view = view_with(again, joiner())
    warning = stale_namespace_warning(SETTINGS, view)
    assert warning is not None
    assert warning.startswith(f"{JOINER} is in the network namespace of a container that no longer exists ({'r' * 12}")
    assert "Fix: pulumi up --refresh" in warning
    assert view.asked == [JOINER, REFERENCE_ID]


def test_start_times_compare_by_value_whatever_their_digits():
    # The engine trims trailing zeros: ".1Z" is later than ".0999Z" and earlier than ".123Z".
    assert started_at("2026-12-02T03:10:56.1Z") > started_at("2026-12-02T03:10:56.0999Z")
    assert started_at("2026-12-02T03:10:56.1Z") < started_at("2026-12-02T03:10:56.123Z")
    assert started_at("2026-12-02T03:10:57Z") > started_at("2026-12-02T03:10:56.999999999Z")


# --- the live view -------------------------------------------------------------------------------------


class StubClient:
    def __init__(self, listing: List[Dict[str, Any]], known: Dict[str, Dict[str, Any]]) -> None:
        self.listing, self.known = listing, known

    def __enter__(self) -> "StubClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def containers(self) -> List[Dict[str, Any]]:
        return self.listing

    def container(self, name_or_id: str) -> Dict[str, Any]:
        if name_or_id not in self.known:
            raise NotFound(404, f"No such container: {name_or_id}")
        return self.known[name_or_id]


def test_the_live_view_says_whether_the_engine_is_on_this_machine():
    assert LiveModesView({}).local is True
    assert LiveModesView({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}).local is True
    remote = LiveModesView({"DOCKER_HOST": "tcp://build-box:2375"})
    assert (remote.local, remote.engine) == (False, "tcp://build-box:2375")


def test_the_live_view_reads_publishers_and_containers_from_the_engine():
    client = StubClient(
        [
            {"Names": ["/tomcat01"], "Ports": [{"PrivatePort": 8080, "PublicPort": 18080, "IP": "127.0.0.1"}]},
            {"Names": ["/redis-1"], "Ports": [{"PrivatePort": 6379}]},
        ],
        {"tomcat-host": {"Id": "h" * 64}},
    )
    view = LiveModesView({}, client_factory=lambda: cast(EngineClient, client))
    assert view.publishers(18080) == ["tomcat01"] and view.publishers(6379) == []
    assert view.container("tomcat-host") == {"Id": "h" * 64} and view.container("tomcat-none") is None


def test_the_live_view_finds_a_loopback_port_taken_by_a_listener():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert LiveModesView({}).port_is_free(port) is False
    assert LiveModesView({}).port_is_free(port) is True


# --- moving Tomcat to another port, on both images' layouts --------------------------------------------

PUBLIC_SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1"
               connectionTimeout="20000"
               redirectPort="8443" />
  </Service>
</Server>
"""


@pytest.mark.skipif(shutil.which("sh") is None or shutil.which("sed") is None, reason="needs sh and sed")
@pytest.mark.parametrize("layout", ["debian", "public"])
def test_move_tomcat_starts_catalina_on_a_copy_with_the_port_and_address(tmp_path: Path, layout: str):
    """Debian's tomcat10 sets CATALINA_BASE (and ships the shutdown port off); the public image only
    CATALINA_HOME. A fake catalina.sh on PATH shows what Tomcat would be started with."""
    base = tmp_path / "tomcat"
    (base / "conf").mkdir(parents=True)
    server_xml = PUBLIC_SERVER_XML if layout == "public" else PUBLIC_SERVER_XML.replace('port="8005"', 'port="-1"')
    (base / "conf" / "server.xml").write_text(server_xml)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "catalina.sh").write_text('#!/bin/sh\necho "catalina.sh $*"\n')
    (bin_dir / "catalina.sh").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TOMCAT_HTTP_PORT": "18080",
        "TOMCAT_HTTP_ADDRESS": "127.0.0.1",
        **({"CATALINA_BASE": str(base)} if layout == "debian" else {"CATALINA_HOME": str(base)}),
    }
    done = subprocess.run(["sh", "-c", MOVE_TOMCAT], env=env, capture_output=True, text=True, timeout=10)
    copy = base / "conf" / "server-network-mode.xml"
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"catalina.sh run -config {copy}"
    assert '<Connector port="18080" address="127.0.0.1" protocol="HTTP/1.1"' in copy.read_text()
    assert '<Server port="-1" shutdown="SHUTDOWN">' in copy.read_text()
    assert (base / "conf" / "server.xml").read_text() == server_xml  # the shipped file stays as it was


def test_move_tomcat_stops_with_a_reason_on_a_server_xml_it_does_not_know(tmp_path: Path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "server.xml").write_text('<Server port="-1"><Connector protocol="HTTP/1.1" port="8080"/>')
    done = subprocess.run(
        ["sh", "-c", MOVE_TOMCAT],
        capture_output=True,
        text=True,
        timeout=10,
        env={
            "PATH": os.environ["PATH"],
            "CATALINA_BASE": str(tmp_path),
            "TOMCAT_HTTP_PORT": "18080",
            "TOMCAT_HTTP_ADDRESS": "0.0.0.0",
        },
    )
    assert done.returncode == 78
    assert f'no <Connector port="8080" in {tmp_path}/conf/server.xml: cannot move Tomcat to port 18080' in done.stderr
