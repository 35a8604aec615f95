"""The redis stack's settings, which the swarm stack has too (scenarios/swarm.py adds its own).

Declared once (components/schema.py): the top-level ones here, the cluster's own (`docker-networking:redis`)
in components/redis/model/cluster_args.py, beside the component's arguments they become.
"""

from dataclasses import dataclass
from typing import Optional

from components.images.names import DEFAULT_REDIS_IMAGE
from components.redis.model.cluster_args import RedisConfig
from components.redis.settings import IMAGE_SETTING, PASSWORD_SETTING, SETTING
from components.schema import Object, Text, setting

from .stack_settings import IMAGE_REFERENCE, StackConfig


@dataclass(frozen=True)
class RedisStackConfig(StackConfig):
    redis_image: str = setting(
        IMAGE_REFERENCE,
        "the node image; any image with `redis-server` ≥ 5 on `PATH`",
        DEFAULT_REDIS_IMAGE,
        key=IMAGE_SETTING,
    )
    redis_password: Optional[str] = setting(
        Text("string, a secret"),
        "set with `pulumi config set --secret redisPassword …`; 1–512 printable ASCII characters, no whitespace, "
        "quotes or backslash",
        shown_default="*(unset: generated)*",
        key=PASSWORD_SETTING,
    )
    redis: RedisConfig = setting(Object(RedisConfig), "the cluster", RedisConfig(), key=SETTING)
