"""The redis stack's settings as the component receives them: the name prefix and its label."""

import pulumi
import pytest

from components.errors import ConfigError
from components.labels import NAME_PREFIX_LABEL
from scenarios.redis import redis_args
from scenarios.redis_settings import RedisStackConfig
from scenarios.stack_settings import read_stack


def _args(config):
    pulumi.runtime.set_all_config({f"docker-networking:{key}": value for key, value in config.items()})
    try:
        return redis_args(read_stack(RedisStackConfig, pulumi.Config("docker-networking")))
    finally:
        pulumi.runtime.set_all_config({})


def test_the_tutorials_network_name_and_no_label_without_a_prefix():
    args = _args({})
    assert args.network_name == "redis"
    assert dict(args.labels) == {}


def test_a_prefix_goes_before_the_network_name_and_labels_the_cluster():
    args = _args({"namePrefix": "bench-9f8e-", "redis": '{"network": {"name": "cache"}}'})
    assert args.network_name == "bench-9f8e-cache"
    assert dict(args.labels) == {NAME_PREFIX_LABEL: "bench-9f8e-"}


def test_a_bad_prefix_names_the_setting():
    with pytest.raises(ConfigError) as caught:
        _args({"namePrefix": "no spaces"})
    assert caught.value.setting == "docker-networking:namePrefix"


def test_a_mistyped_key_of_the_stack_is_refused_with_the_one_it_meant():
    with pytest.raises(ConfigError) as caught:
        _args({"scenario": "redis", "redisImag": "redis:7.4"})
    assert caught.value.setting == "docker-networking:redisImag"
    assert "did you mean 'redisImage'?" in caught.value.fix
