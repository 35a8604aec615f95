"""Moved to components.redis.resources.formation; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.resources.formation import RedisFormationProvider  # noqa: F401
