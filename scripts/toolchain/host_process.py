"""Process settings shared by the Python processes of the project's fallback hosts (program_runner.py,
dynamic_host.py).

Standard library only: both call these before they import anything slow.
"""
import gc
import os
import signal


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
