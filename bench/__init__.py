"""Benchmarks: figures printed by scripts, compared against a baseline measured in the same run."""
