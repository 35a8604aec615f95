"""Runs the Python SDK's dynamic provider host as `python -m pulumi.dynamic` would, with two changes for
a host the CLI starts and waits for in every command (installed with the project's own language host,
see language-host/ and install.sh):
- it ends at once when the CLI stops it (on SIGINT the SDK's host shuts the interpreter down in order);
- the garbage collector is paused while the SDK loads, and the SDK's Automation API, which a provider host
  never uses, is loaded only if something uses it (see host_process.py).
"""

import os
import runpy
import sys

from host_process import (  # beside this file
    exit_at_once_when_stopped,
    load_unused_sdk_modules_on_first_use,
    pause_garbage_collection,
    resume_garbage_collection,
)

exit_at_once_when_stopped()
pause_garbage_collection()
load_unused_sdk_modules_on_first_use()
# What pulumi.dynamic's __main__ imports before it serves (it serves as soon as it is run).
import dill  # noqa: E402,F401
import pulumi.dynamic  # noqa: E402,F401
from pulumi.runtime.proto import provider_pb2_grpc  # noqa: E402,F401

resume_garbage_collection()
# As with `-m`: the working directory (the project) first on the path, so the pickled providers' own
# modules (components.providers...) import.
sys.path.insert(0, os.getcwd())
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
