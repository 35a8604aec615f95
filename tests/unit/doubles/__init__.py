"""The unit tests' one set of test doubles.

- engine_api.FakeEngine: the Docker engine's HTTP API (networks, containers, connect, disconnect) on a Unix
  socket, or TCP with TLS; the engine client, the project's providers and LiveInventory run against it.
- pulumi_mocks: ProjectMocks (every resource type the project registers), RecordingMonitor (each
  registration as sent) and run_program, which runs a program under them and returns a Deployment.
- inventory.FakeInventory: the engine's networks and the host's routes as the subnet check sees them.

Fixtures in tests/unit/conftest.py hand them out: `engine` (a FakeEngine) and `fake_inventory` (the
inventory every component falls back to, components.engine.inventory.default_inventory, replaced).
"""
