"""Moved to components.network.connection; kept for stacks deployed before
(see components/providers/__init__.py)."""

from components.network.connection import NetworkConnectionProvider  # noqa: F401
