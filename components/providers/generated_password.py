"""Moved to components.redis.resources.generated_password; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.redis.resources.generated_password import GeneratedPasswordProvider  # noqa: F401
