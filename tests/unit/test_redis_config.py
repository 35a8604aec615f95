"""redis.conf rendering: valid directives only, the tutorial's typos impossible, and a real redis-server
accepts the result."""

import subprocess
from pathlib import Path

import pytest
import redis

from components.redis.cluster import node_config
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.config import (
    AUTH_PATH,
    KNOWN_DIRECTIVES,
    RedisNodeConfig,
    parse_directives,
    render,
    render_auth_config,
    render_node_config,
)
from components.redis.model.plan import plan_cluster

from .doubles.redis_server import RedisServer, free_port_pair

PASSWORD = "unit-Test-password-1"


def _rendered(**kwargs) -> str:
    return render_node_config(RedisNodeConfig(node_name="redis-1", announce_ip="10.38.0.11", **kwargs))


def test_the_tutorials_settings_are_all_there_and_spelled_right():
    directives = dict(parse_directives(_rendered()))
    assert directives == {
        "port": "6379",
        "bind": "0.0.0.0",
        "protected-mode": "yes",
        "dir": "/data",
        "cluster-enabled": "yes",
        "cluster-config-file": "nodes.conf",
        "cluster-node-timeout": "5000",
        "cluster-announce-ip": "10.38.0.11",
        "cluster-announce-port": "6379",
        "cluster-announce-bus-port": "16379",
        "appendonly": "yes",
        "repl-diskless-sync-delay": "0",
        "include": AUTH_PATH,
    }


def test_the_tutorials_typos_can_never_appear():
    for args in (RedisClusterArgs(), RedisClusterArgs(auth=False, appendonly=False, node_timeout_ms=100)):
        for node in plan_cluster("redis", args).nodes:
            text = render_node_config(node_config(node, args))
            assert "ues" not in text.split()
            assert "cluster config file" not in text
            assert all(name in KNOWN_DIRECTIVES for name, _ in parse_directives(text))


def test_an_unknown_directive_or_a_value_with_spaces_cannot_be_rendered():
    with pytest.raises(ValueError):
        render([("cluster config file", "nodes.conf")], "x")
    with pytest.raises(ValueError):
        render([("requirepass", "two words")], "x")


def test_the_password_stays_out_of_the_main_file():
    text = _rendered()
    assert "requirepass" not in text and "masterauth" not in text
    assert parse_directives(text)[-1] == ("include", AUTH_PATH)  # last: nothing after it overrides it
    assert parse_directives(render_auth_config(PASSWORD)) == [("requirepass", PASSWORD), ("masterauth", PASSWORD)]


def test_without_auth_there_is_no_include_and_protected_mode_is_off():
    directives = dict(parse_directives(_rendered(auth_include=None)))
    assert "include" not in directives and directives["protected-mode"] == "no"


def test_each_node_announces_its_own_ip():
    args = RedisClusterArgs()
    for node in plan_cluster("redis", args).nodes:
        assert dict(parse_directives(render_node_config(node_config(node, args))))["cluster-announce-ip"] == node.ip


@pytest.mark.parametrize("auth", [True, False])
def test_a_real_redis_server_starts_on_the_rendered_config(tmp_path: Path, redis_server_binary: str, auth: bool):
    """A file rendered like the nodes' (paths pointing into a temp dir, since Redis enters `dir` while
    parsing), with command-line overrides that keep the server on a free loopback port (RedisServer)."""
    auth_file = tmp_path / "auth.conf"
    auth_file.write_text(render_auth_config(PASSWORD))
    config = tmp_path / "redis.conf"
    config.write_text(
        render_node_config(
            RedisNodeConfig(
                node_name="redis-1",
                announce_ip="127.0.0.1",
                data_dir=str(tmp_path),
                auth_include=str(auth_file) if auth else None,
            )
        )
    )
    port = free_port_pair()
    with RedisServer(redis_server_binary, config, port, PASSWORD if auth else None) as client:
        settings = {
            key: client.config_get(key)[key]
            for key in (
                "cluster-enabled",
                "cluster-config-file",
                "cluster-node-timeout",
                "appendonly",
                "cluster-announce-ip",
                "protected-mode",
            )
        }
        assert settings == {
            "cluster-enabled": "yes",
            "cluster-config-file": "nodes.conf",
            "cluster-node-timeout": "5000",
            "appendonly": "yes",
            "cluster-announce-ip": "127.0.0.1",
            "protected-mode": "yes" if auth else "no",
        }
        assert "cluster_state" in client.execute_command("CLUSTER", "INFO")
        if auth:
            with pytest.raises(redis.AuthenticationError):
                redis.Redis(port=port).get("a")
            assert client.config_get("masterauth")["masterauth"] == PASSWORD


def test_the_tutorials_typo_is_what_redis_rejects(tmp_path: Path, redis_server_binary: str):
    """The check above would catch it: redis-server refuses `cluster-enabled ues` at start."""
    config = tmp_path / "redis.conf"
    config.write_text("port 0\ncluster-enabled ues\n")
    result = subprocess.run([redis_server_binary, str(config)], capture_output=True, text=True, timeout=10)
    assert result.returncode != 0 and "cluster-enabled" in result.stdout + result.stderr
