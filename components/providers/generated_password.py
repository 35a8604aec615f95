"""Moved to components.redis.password; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.password import GeneratedPasswordProvider  # noqa: F401
