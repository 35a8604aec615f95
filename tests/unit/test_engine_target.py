"""require_one_engine: one engine for pulumi-docker and the project's own providers, checked before anything."""

import pytest

from components.engine.target import require_one_engine
from components.errors import ConfigError


@pytest.mark.parametrize(
    "setting,environ",
    [
        (None, {}),
        (None, {"DOCKER_HOST": "tcp://127.0.0.1:2375"}),
        ("unix:///run/docker.sock", {"DOCKER_HOST": "unix:///run/docker.sock"}),
    ],
)
def test_one_engine_gives_its_address(setting, environ):
    assert require_one_engine(setting, environ).url == environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


@pytest.mark.parametrize("environ", [{}, {"DOCKER_HOST": "unix:///var/run/docker.sock"}])
def test_a_docker_host_setting_that_docker_host_does_not_match_is_refused_with_the_fix(environ):
    with pytest.raises(ConfigError) as failure:
        require_one_engine("tcp://10.0.0.5:2375", environ)
    assert failure.value.setting == "docker:host"
    assert "export DOCKER_HOST=tcp://10.0.0.5:2375" in failure.value.fix


def test_a_docker_host_the_providers_cannot_use_is_refused_first():
    with pytest.raises(ConfigError) as failure:
        require_one_engine("ssh://me@engine", {"DOCKER_HOST": "ssh://me@engine"})
    assert failure.value.setting == "DOCKER_HOST"
