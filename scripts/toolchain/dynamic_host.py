"""Runs the Python SDK's dynamic provider host as `python -m pulumi.dynamic` would, ending it at once when
the CLI stops it: on SIGINT the SDK's host shuts the interpreter down in order, time every command waits
for. Used with the project's own language host (see language_host.py)."""
import os
import runpy
import signal
import sys

from language_host import stop_at_once

for signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(signum, stop_at_once)
# As with `-m`: the working directory (the project) first on the path, so the pickled providers' own
# modules (components.providers...) import.
sys.path.insert(0, os.getcwd())
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
