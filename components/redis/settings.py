"""The `redis` stack's settings: `docker-networking:redis`, the image and the password, parsed into
RedisClusterArgs (components/redis/model/cluster_args.py).

`args_from_config` rejects unknown keys and values of the wrong type, so a typo fails `pulumi preview`
instead of being silently ignored; the values themselves are checked by `validate_args`, which the
component calls before registering anything.
"""

from typing import Any, Callable, Dict, Mapping, Optional

from components.errors import ConfigError
from components.redis.model.cluster_args import RedisClusterArgs
from components.settings import parse_bool, parse_int, parse_str, reject_unknown_keys, setting_name

SETTING = "redis"  # the structured config key: docker-networking:redis
IMAGE_SETTING = "redisImage"
PASSWORD_SETTING = "redisPassword"
KEEP_IMAGES_SETTING = "keepImages"

# camelCase config key -> (dataclass field, parser). Nested `network` is handled on its own.
_FIELDS: Dict[str, "tuple[str, Callable[[str, Any], Any]]"] = {
    "masters": ("masters", parse_int),
    "replicasPerMaster": ("replicas_per_master", parse_int),
    "firstHostOffset": ("first_host_offset", parse_int),
    "basePort": ("base_port", parse_int),
    "busBasePort": ("bus_base_port", parse_int),
    "bindAddress": ("bind_address", parse_str),
    "auth": ("auth", parse_bool),
    "nodeTimeoutMs": ("node_timeout_ms", parse_int),
    "appendonly": ("appendonly", parse_bool),
    "restartPolicy": ("restart_policy", parse_str),
    "formationTimeoutSeconds": ("formation_timeout_seconds", parse_int),
}
_NETWORK_FIELDS: Dict[str, str] = {"name": "network_name", "subnet": "subnet"}
KNOWN_KEYS = tuple(sorted([*_FIELDS, "network"]))


def args_from_config(
    raw: Optional[Mapping[str, Any]],
    image: Optional[str] = None,
    keep_image: Optional[bool] = None,
    password: Optional[str] = None,
    setting: str = SETTING,
) -> RedisClusterArgs:
    """RedisClusterArgs from the structured `redis` setting; absent keys keep their defaults."""
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise ConfigError(
            setting,
            f"expected an object, got {type(raw).__name__}",
            "write it as a map, e.g. `redis: {masters: 3, replicasPerMaster: 1}`",
        )
    reject_unknown_keys(setting, raw, KNOWN_KEYS)
    values: Dict[str, Any] = {
        "setting": setting,
        "password_setting": setting_name(PASSWORD_SETTING),
        "image_setting": setting_name(IMAGE_SETTING),
    }
    for key, value in raw.items():
        if key == "network":
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{setting}.network",
                    f"expected an object, got {type(value).__name__}",
                    "write it as a map, e.g. `network: {name: redis, subnet: 10.38.0.0/24}`",
                )
            reject_unknown_keys(f"{setting}.network", value, tuple(_NETWORK_FIELDS))
            for sub_key, sub_value in value.items():
                values[_NETWORK_FIELDS[sub_key]] = parse_str(f"{setting}.network.{sub_key}", sub_value)
            continue
        field_name, parse = _FIELDS[key]
        values[field_name] = parse(f"{setting}.{key}", value)
    if image is not None:
        values["image"] = image
    if keep_image is not None:
        values["keep_image"] = keep_image
    if password is not None:
        values["password"] = password
    return RedisClusterArgs(**values)
