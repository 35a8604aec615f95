"""require_one_engine: pulumi-docker's provider and the project's own providers on one engine, DOCKER_HOST or
a context, checked before anything; require_supported_engine: no engine older than Docker 20.10.

`home` is where pulumi-docker's provider reads contexts (its passwd entry's ~/.docker); each test makes its
own, so nothing of this machine's docker configuration is read."""

from pathlib import Path
from typing import Dict

import pytest

from components.engine.client import EngineTooOld, EngineUnreachable
from components.engine.endpoint import DEFAULT_HOST, FROM_HOST, Endpoint
from components.engine.target import ProviderSettings, require_one_engine, require_supported_engine
from components.errors import ConfigError

from .doubles.contexts import use_context, write_context
from .doubles.engine_api import FakeEngine

SSH_ENGINE = "ssh://deploy@engine.example:2222"
NONE = ProviderSettings()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def environ(home: Path, **variables: str) -> Dict[str, str]:
    return {"HOME": str(home), **variables}


def refused(settings: ProviderSettings, env: Dict[str, str], home: Path) -> ConfigError:
    with pytest.raises(ConfigError) as failure:
        require_one_engine(settings, env, home=str(home))
    return failure.value


# --- DOCKER_HOST and docker:host ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings,variables",
    [
        (NONE, {}),
        (NONE, {"DOCKER_HOST": "tcp://127.0.0.1:2375"}),
        (NONE, {"DOCKER_HOST": SSH_ENGINE}),
        (ProviderSettings(host="unix:///run/docker.sock"), {"DOCKER_HOST": "unix:///run/docker.sock"}),
        (ProviderSettings(host=DEFAULT_HOST), {}),
    ],
)
def test_one_engine_gives_its_endpoint(home, settings, variables):
    endpoint = require_one_engine(settings, environ(home, **variables), home=str(home))
    assert endpoint.host == variables.get("DOCKER_HOST", DEFAULT_HOST)


@pytest.mark.parametrize("variables", [{}, {"DOCKER_HOST": "unix:///var/run/docker.sock"}])
def test_a_docker_host_setting_that_docker_host_does_not_match_is_refused_with_the_fix(home, variables):
    error = refused(ProviderSettings(host="tcp://10.0.0.5:2375"), environ(home, **variables), home)
    assert error.setting == "docker:host"
    assert "export DOCKER_HOST=tcp://10.0.0.5:2375" in error.fix
    assert "pulumi config rm docker:host" in error.fix


def test_an_ssh_docker_host_setting_is_exported_like_any_other(home):
    error = refused(ProviderSettings(host="ssh://admin@build-box"), environ(home), home)
    assert "DOCKER_HOST is not set" in error.problem
    assert "export DOCKER_HOST=ssh://admin@build-box" in error.fix


def test_a_docker_host_setting_the_project_cannot_use_says_what_to_export_instead(home):
    error = refused(ProviderSettings(host="npipe:////./pipe/docker_engine"), environ(home), home)
    assert error.fix.startswith("remove it (pulumi config rm docker:host); then export DOCKER_HOST=unix://")


def test_a_docker_host_the_project_cannot_use_is_refused_first(home):
    error = refused(ProviderSettings(host="fd://"), environ(home, DOCKER_HOST="fd://"), home)
    assert error.setting == "DOCKER_HOST"


# --- contexts ------------------------------------------------------------------------------------------


def test_docker_context_in_the_home_both_read_is_one_engine(home):
    write_context(home / ".docker", "build-box", SSH_ENGINE)
    endpoint = require_one_engine(NONE, environ(home, DOCKER_CONTEXT="build-box"), home=str(home))
    assert (endpoint.host, endpoint.context) == (SSH_ENGINE, "build-box")


def test_a_context_only_docker_config_holds_is_refused_with_the_exports_that_fix_it(home, tmp_path):
    """pulumi-docker's provider reads ~/.docker of the user, whatever DOCKER_CONFIG says."""
    elsewhere = tmp_path / "docker-config"
    write_context(elsewhere, "build-box", SSH_ENGINE)
    error = refused(NONE, environ(home, DOCKER_CONFIG=str(elsewhere), DOCKER_CONTEXT="build-box"), home)
    assert error.setting == "DOCKER_CONTEXT"
    assert f"looks for contexts in {home}/.docker only and finds no 'build-box' there" in error.problem
    assert error.fix == (
        'eval "$(make -s env)", which exports that engine for every part of the stack '
        f'(export DOCKER_HOST="{SSH_ENGINE}"; unset DOCKER_CONTEXT)'
    )


def test_a_context_of_the_same_name_on_another_engine_in_the_providers_home_is_refused(home, tmp_path):
    elsewhere = tmp_path / "docker-config"
    write_context(elsewhere, "build-box", SSH_ENGINE)
    write_context(home / ".docker", "build-box", "tcp://other.example:2375")
    error = refused(NONE, environ(home, DOCKER_CONFIG=str(elsewhere), DOCKER_CONTEXT="build-box"), home)
    assert "names tcp://other.example:2375" in error.problem


def test_a_tls_context_is_refused_pulumi_docker_would_drop_its_certificates(home, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    for pem in ("ca.pem", "cert.pem", "key.pem"):
        (certs / pem).write_text("-")
    write_context(home / ".docker", "tls-box", "tcp://engine.example:2376", tls_from=certs)
    error = refused(NONE, environ(home, DOCKER_CONTEXT="tls-box"), home)
    assert "pulumi-docker's provider takes no TLS files from a context" in error.problem
    assert "export DOCKER_CERT_PATH=" in error.fix and 'export DOCKER_TLS_VERIFY="1"' in error.fix


def test_docker_context_default_is_refused_pulumi_docker_looks_for_a_context_of_that_name(home):
    error = refused(NONE, environ(home, DOCKER_CONTEXT="default"), home)
    assert (error.setting, error.fix) == ("DOCKER_CONTEXT", "unset DOCKER_CONTEXT")


def test_docker_host_and_docker_context_on_two_engines_are_refused(home):
    write_context(home / ".docker", "build-box", SSH_ENGINE)
    error = refused(NONE, environ(home, DOCKER_HOST="tcp://10.0.0.5:2375", DOCKER_CONTEXT="build-box"), home)
    assert error.setting == "DOCKER_CONTEXT"
    assert "the docker CLI and the project's own providers use DOCKER_HOST" in error.problem
    assert error.fix == "unset one of them (unset DOCKER_CONTEXT to use DOCKER_HOST)"


def test_docker_host_and_docker_context_on_the_same_engine_are_one(home):
    write_context(home / ".docker", "build-box", SSH_ENGINE)
    endpoint = require_one_engine(NONE, environ(home, DOCKER_HOST=SSH_ENGINE, DOCKER_CONTEXT="build-box"), str(home))
    assert endpoint.host == SSH_ENGINE


def test_the_current_context_which_pulumi_docker_never_reads_is_refused_with_the_fix(home):
    write_context(home / ".docker", "build-box", SSH_ENGINE)
    use_context(home / ".docker", "build-box")
    error = refused(NONE, environ(home), home)
    assert error.setting == "DOCKER_CONTEXT"
    assert "the current Docker context is 'build-box'" in error.problem
    assert f"it would use {DEFAULT_HOST}" in error.problem
    assert error.fix.startswith('eval "$(make -s env)"') and error.fix.endswith("export DOCKER_CONTEXT=build-box")


def test_a_current_context_on_the_local_socket_is_the_same_engine(home):
    write_context(home / ".docker", "local", DEFAULT_HOST)
    use_context(home / ".docker", "local")
    assert require_one_engine(NONE, environ(home), home=str(home)).context == "local"


def test_a_docker_context_setting_the_environment_matches_is_fine_and_one_it_does_not_is_refused(home):
    write_context(home / ".docker", "build-box", SSH_ENGINE)
    settings = ProviderSettings(context="build-box")
    assert require_one_engine(settings, environ(home, DOCKER_CONTEXT="build-box"), home=str(home)).host == SSH_ENGINE
    error = refused(settings, environ(home), home)
    assert error.setting == "docker:context"
    assert error.fix == "remove it (pulumi config rm docker:context) and export DOCKER_CONTEXT=build-box"


def test_a_context_that_does_not_exist_is_refused_naming_docker_context(home):
    error = refused(NONE, environ(home, DOCKER_CONTEXT="does-not-exist"), home)
    assert error.setting == "DOCKER_CONTEXT"
    assert "there is no Docker context named 'does-not-exist'" in error.problem


# --- the oldest engine supported -----------------------------------------------------------------------


def test_a_supported_engine_passes(engine: FakeEngine):
    require_supported_engine(engine.endpoint)
    assert engine.calls == []  # its version, nothing else


def test_an_engine_older_than_docker_20_10_stops_the_program():
    old = FakeEngine(docker_version="19.03.15", api_version="1.40")
    try:
        with pytest.raises(EngineTooOld, match=r"is Docker 19\.03\.15 \(API 1\.40\)"):
            require_supported_engine(old.endpoint)
    finally:
        old.close()


def test_no_engine_at_all_stops_the_program_naming_docker_host(tmp_path):
    with pytest.raises(EngineUnreachable, match="point DOCKER_HOST at it"):
        require_supported_engine(Endpoint(f"unix://{tmp_path}/none.sock", origin=FROM_HOST))
