"""Moved to components.redis.resources.formation (see components/redis/formation/__init__.py)."""

from components.redis.resources.formation import RedisFormationProvider  # noqa: F401
