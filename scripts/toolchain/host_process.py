"""Process settings shared by the Python processes of the project's fallback hosts (program_runner.py,
dynamic_host.py).

Standard library only: both call these before they import anything slow.
"""

import gc
import importlib.machinery
import importlib.util
import os
import signal
import sys
from typing import Iterable, Optional, Sequence


def stop_at_once(*_: object) -> None:
    os._exit(0)


def exit_at_once_when_stopped() -> None:
    # The CLI stops a plugin (SIGINT, then SIGTERM) only when it needs nothing more from it: nothing is
    # left to flush, and an orderly interpreter shutdown (grpc threads, the program's modules) is time
    # every command would wait for.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_at_once)


def pause_garbage_collection() -> None:
    """Called first thing: a start is mostly imports (the Pulumi SDK, the program's modules),
    some 100k long-lived objects, and CPython runs full collections among them that free nothing.
    Measured here: 0.02-0.03 s per process and step (SDK, program), every `pulumi` command pays it."""
    gc.disable()


def resume_garbage_collection() -> None:
    """Once started: what start-up loaded stays out of later collections' way (gc.freeze), and the
    collector runs as usual for whatever the host does next."""
    gc.freeze()
    gc.enable()


# The SDK's package imports the Automation API (workspaces and stacks driven through the CLI): 0.035 s
# of every start here, and neither a program run nor a provider host uses it.
UNUSED_SDK_MODULES = ("pulumi.automation",)


class _OnFirstUse:
    """A finder for the named modules that hands them out lazily (importlib.util.LazyLoader): a module's
    code runs when one of its attributes is first used, not when it is imported. Whatever uses it still
    gets all of it, only later. (CPython 3.11's lazy modules are not safe to first use from two threads
    at once; the hosts never use these at all.)"""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, name: str, path: Optional[Sequence[str]], target: object = None):
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def load_unused_sdk_modules_on_first_use() -> None:
    sys.meta_path.insert(0, _OnFirstUse(UNUSED_SDK_MODULES))
