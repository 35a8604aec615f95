"""Validation of the redis settings: each mistake fails with the setting named and a fix, before anything
is created."""

from typing import Any

import pytest

from components.errors import ConfigError
from components.redis.model.cluster_args import (
    RedisClusterArgs,
    open_to_network_warning,
    validate_args,
    validate_password,
)
from components.redis.settings import KNOWN_KEYS, args_from_config


def test_defaults_are_the_tutorials_cluster_made_safe():
    args = args_from_config(None)
    validate_args(args)
    assert (args.masters, args.replicas_per_master, args.node_count) == (3, 1, 6)
    assert args.bind_address == "127.0.0.1" and args.auth is True and args.password is None
    assert args.image == "redis:7.4" and args.subnet == "10.38.0.0/24"
    assert open_to_network_warning(args) is None


def test_structured_config_is_read_with_types():
    args = args_from_config(
        {
            "masters": 4,
            "replicasPerMaster": "2",
            "network": {"name": "rc", "subnet": "10.9.0.0/24"},
            "auth": "false",
            "bindAddress": "0.0.0.0",
            "nodeTimeoutMs": 3000,
        },
        image="docker-networking/redis:local",
        keep_image=False,
    )
    assert (args.masters, args.replicas_per_master, args.network_name, args.subnet) == (4, 2, "rc", "10.9.0.0/24")
    assert args.auth is False and args.keep_image is False and args.node_timeout_ms == 3000
    warning = open_to_network_warning(args)
    assert warning is not None and "authentication is off" in warning


def _error(**kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        validate_args(RedisClusterArgs(**kwargs))
    return error.value


@pytest.mark.parametrize(
    "kwargs,setting",
    [
        ({"masters": 2}, "redis.masters"),
        ({"masters": 0}, "redis.masters"),
        ({"replicas_per_master": -1}, "redis.replicasPerMaster"),
        ({"node_timeout_ms": 10}, "redis.nodeTimeoutMs"),
        ({"formation_timeout_seconds": 1}, "redis.formationTimeoutSeconds"),
        ({"bind_address": "localhost"}, "redis.bindAddress"),
        ({"bind_address": "::1"}, "redis.bindAddress"),
        ({"bind_address": "224.0.0.1"}, "redis.bindAddress"),
        ({"restart_policy": "sometimes"}, "redis.restartPolicy"),
        ({"masters": 3.0}, "redis.masters"),
        ({"masters": True}, "redis.masters"),
    ],
)
def test_bad_values_name_their_setting(kwargs, setting):
    error = _error(**kwargs)
    assert error.setting == setting and error.fix


def test_masters_message_explains_the_minimum():
    assert "at least 3" in str(_error(masters=2))


@pytest.mark.parametrize(
    "raw,setting",
    [
        ({"master": 3}, "redis.master"),
        ({"replicas": 1}, "redis.replicas"),
        ({"network": {"subnett": "10.0.0.0/24"}}, "redis.network.subnett"),
    ],
)
def test_unknown_keys_are_rejected_with_a_suggestion(raw, setting):
    with pytest.raises(ConfigError) as error:
        args_from_config(raw)
    assert error.value.setting == setting
    assert "did you mean" in error.value.fix or "known keys" in error.value.fix


def test_unknown_key_message_suggests_the_close_one():
    with pytest.raises(ConfigError) as error:
        args_from_config({"replicaPerMaster": 1})
    assert "'replicasPerMaster'" in error.value.fix


@pytest.mark.parametrize(
    "raw,setting",
    [
        ({"masters": "three"}, "redis.masters"),
        ({"masters": 3.5}, "redis.masters"),
        ({"masters": True}, "redis.masters"),
        ({"replicasPerMaster": "1.0"}, "redis.replicasPerMaster"),
        ({"auth": "maybe"}, "redis.auth"),
        ({"appendonly": 1}, "redis.appendonly"),
        ({"bindAddress": 127}, "redis.bindAddress"),
        ({"network": "redis"}, "redis.network"),
        ({"network": {"subnet": 10}}, "redis.network.subnet"),
    ],
)
def test_wrong_types_are_rejected(raw, setting):
    with pytest.raises(ConfigError) as error:
        args_from_config(raw)
    assert error.value.setting == setting


def test_the_structured_setting_must_be_an_object():
    not_an_object: Any = ["masters", 3]  # what a config of the wrong shape gives: no Mapping to the type checker
    with pytest.raises(ConfigError) as error:
        args_from_config(not_an_object)
    assert error.value.setting == "redis"


def test_known_keys_cover_the_documented_ones():
    assert set(KNOWN_KEYS) == {
        "masters",
        "replicasPerMaster",
        "network",
        "firstHostOffset",
        "basePort",
        "busBasePort",
        "bindAddress",
        "auth",
        "nodeTimeoutMs",
        "appendonly",
        "restartPolicy",
        "formationTimeoutSeconds",
    }


@pytest.mark.parametrize(
    "password,problem",
    [
        ("", "empty"),
        ("two words", "whitespace"),
        ("line\nbreak", "whitespace"),
        ("tab\there", "whitespace"),
        ("x" * 513, "513 characters"),
        ('quo"te', "quote"),
        ("it's", "quote"),
        ("back\\slash", "backslash"),
        ("caf\u00e9", "non-ASCII"),
        ("bell\x07", "non-printable"),
    ],
)
def test_passwords_redis_would_reject_or_misread(password, problem):
    with pytest.raises(ConfigError) as error:
        validate_password("docker-networking:redisPassword", password)
    assert problem in str(error.value)
    assert error.value.setting == "docker-networking:redisPassword"
    if password:
        assert password not in str(error.value)  # the message never echoes the secret


def test_a_bad_password_fails_validation_but_is_ignored_when_auth_is_off():
    assert _error(password="a b").setting == "password"  # the args' own name for it
    assert _error(password="a b", password_setting="docker-networking:redisPassword").setting == (
        "docker-networking:redisPassword"
    )
    validate_args(RedisClusterArgs(password="a b", auth=False))


def test_good_passwords_pass():
    for password in ("s3cret", "x" * 512, "p@ss:w0rd!#$%&()*+,-./;<=>?[]^_`{|}~"):
        assert validate_password("p", password) == password


def test_the_password_is_not_in_the_args_repr():
    assert "hunter2" not in repr(RedisClusterArgs(password="hunter2"))
