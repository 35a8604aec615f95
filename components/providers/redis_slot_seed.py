"""Moved to components.redis.resources.slot_seed; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.resources.slot_seed import RedisSlotSeedProvider  # noqa: F401
