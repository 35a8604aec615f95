"""Moved to components.redis.formation.provider; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.formation.provider import RedisFormationProvider  # noqa: F401
