"""Moved to components.network.provider; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.network.provider import DockerNetworkProvider  # noqa: F401
