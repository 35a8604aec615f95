"""Moved to components.redis.resources.roll_plan (see components/redis/formation/__init__.py)."""

from components.redis.resources.roll_plan import RedisRollPlanProvider  # noqa: F401
