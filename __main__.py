"""Entry point: the stack's `scenario` setting picks what to deploy."""

import pulumi

from scenarios import build_scenario

build_scenario(pulumi.Config())
