"""Moved to components.redis.resources.live_settings (see components/redis/formation/__init__.py)."""

from components.redis.resources.live_settings import RedisLiveSettingsProvider  # noqa: F401
