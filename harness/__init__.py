"""Support shared by the integration tests and the tools (bench, soak, topology); not part of the Pulumi
program, and it imports nothing from the tests."""
