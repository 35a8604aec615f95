"""Moved to components.redis.resources.starting_password; kept for stacks deployed before (see
components/redis/formation/__init__.py)."""

from components.redis.resources.starting_password import StartingPasswordProvider  # noqa: F401
