"""Moved to components.redis.resources.roll_step (see components/redis/formation/__init__.py)."""

from components.redis.resources.roll_step import RedisRollStepProvider  # noqa: F401
