"""The `redis` stack's settings: `docker-networking:redis` (declared by RedisConfig, in
components/redis/model/cluster_args.py), the image and the password, read into RedisClusterArgs.

`args_from_config` refuses unknown keys and values of the wrong type, so a typo fails `pulumi preview`
instead of being silently ignored; the component checks the values themselves (validate_args) before it
registers anything.
"""

from typing import Any, Dict, Mapping, Optional

from components.redis.model.cluster_args import RedisClusterArgs, RedisConfig
from components.schema import Object, declared_settings, parse_object
from components.settings import setting_name

SETTING = "redis"  # the structured config key: docker-networking:redis
IMAGE_SETTING = "redisImage"
PASSWORD_SETTING = "redisPassword"

KNOWN_KEYS = tuple(sorted(item.key for item in declared_settings(RedisConfig)))


def args_from_config(
    raw: Optional[Mapping[str, Any]],
    image: Optional[str] = None,
    keep_image: Optional[bool] = None,
    password: Optional[str] = None,
    setting: str = SETTING,
) -> RedisClusterArgs:
    """RedisClusterArgs from the structured `redis` setting as Pulumi stores it; absent keys keep their defaults."""
    return cluster_args(parse_object(RedisConfig, setting, raw), image, keep_image, password, setting)


def cluster_args(
    config: RedisConfig,
    image: Optional[str] = None,
    keep_image: Optional[bool] = None,
    password: Optional[str] = None,
    setting: str = SETTING,
) -> RedisClusterArgs:
    """RedisClusterArgs from the parsed `redis` setting and the stack's top-level ones (None: the default)."""
    values: Dict[str, Any] = {
        item.name: getattr(config, item.name)
        for item in declared_settings(RedisConfig)
        if not isinstance(item.setting.kind, Object)
    }
    given = {"image": image, "keep_image": keep_image, "password": password}
    values.update({name: value for name, value in given.items() if value is not None})
    return RedisClusterArgs(
        **values,
        network_name=config.network.name,
        subnet=config.network.subnet,
        setting=setting,
        password_setting=setting_name(PASSWORD_SETTING),
        image_setting=setting_name(IMAGE_SETTING),
    )
