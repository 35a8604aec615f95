"""Moved to components.redis.formation.slot_seed; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.formation.slot_seed import RedisSlotSeedProvider  # noqa: F401
