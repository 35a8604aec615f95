"""Moved to components.redis.resources.slot_seed (see components/redis/formation/__init__.py)."""

from components.redis.resources.slot_seed import RedisSlotSeedProvider  # noqa: F401
