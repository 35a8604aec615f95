"""Pulumi components for the Docker networking scenarios."""
