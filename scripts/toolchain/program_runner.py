"""Runs one Pulumi program for the project's fallback language host (language-host/, in Go).

The host starts `python -u program_runner.py <engine-address>` in the program's directory, writes the
CLI's RunRequest to stdin and reads the RunResponse from file descriptor 3. The program runs here on the
Python SDK's runtime, as the SDK's own language host runs one: the runtime pointed at the engine and the
resource monitor, the stack's configuration loaded, the program run inside the stack resource. What it
prints goes to this process's stdout and stderr, which are the host's.

The SDK's Automation API has a server that does this (pulumi.automation._server); it is not used, so
that the Automation API is never loaded (see host_process.load_unused_sdk_modules_on_first_use).
"""

import os
import sys

from host_process import (  # beside this file
    load_unused_sdk_modules_on_first_use,
    pause_garbage_collection,
    resume_garbage_collection,
)

pause_garbage_collection()  # until the program's top-level code has run
load_unused_sdk_modules_on_first_use()
import asyncio  # noqa: E402 - after the pause, as everything slow
import logging  # noqa: E402
import runpy  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from contextlib import suppress  # noqa: E402

import grpc  # noqa: E402
from pulumi import log  # noqa: E402
from pulumi.errors import RunError  # noqa: E402
from pulumi.runtime import reset_options, run_in_stack, set_all_config  # noqa: E402
from pulumi.runtime.proto import language_pb2  # noqa: E402

ANSWER_FD = 3
UNHANDLED = "Program failed with an unhandled exception:\n"  # and the traceback, as the official host says


def run_project_main(program_dir: str) -> None:
    """The project's __main__.py, with its own packages importable as `python __main__.py` would have them."""
    if program_dir not in sys.path:
        sys.path.insert(0, program_dir)
    try:
        runpy.run_path(os.path.join(program_dir, "__main__.py"), run_name="__main__")
    except RunError:
        raise  # the program's own clean error, printed as it is
    except Exception:  # noqa: BLE001 - reported like the official host does, with the traceback
        raise RunError(UNHANDLED + traceback.format_exc()) from None
    finally:
        # Its imports and declarations done, the program now waits on the engine for a while.
        resume_garbage_collection()


def run(request: language_pb2.RunRequest, engine_address: str) -> language_pb2.RunResponse:
    """One RunRequest. A failure is reported as a diagnostic the CLI shows with the resource tree, and the
    response bails, as the official host's does, so the CLI does not print it a second time as "an
    unhandled error occurred"."""
    program_dir = request.info.program_directory or request.pwd or os.getcwd()
    os.chdir(program_dir)
    reset_options(
        project=request.project,
        monitor_address=request.monitor_address,
        engine_address=engine_address,
        stack=request.stack,
        parallel=request.parallel,
        preview=request.dryRun,
        organization=request.organization or "organization",
    )
    if request.config:
        set_all_config(dict(request.config), list(request.configSecretKeys) or None)
    # Failed tasks left behind by a failed program are not worth a log line each.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    # Each registration holds a thread of the loop's executor until the engine has done that step: as
    # many threads as the SDK's own host gives, four per step the engine runs at once.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=max(request.parallel, 1) * 4))
    failed = True
    try:
        loop.run_until_complete(run_in_stack(lambda: run_project_main(program_dir)))
        failed = False
    except RunError as error:
        log.error(str(error))
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNAVAILABLE:
            failed = False  # the engine is already shutting down: nothing to report
        else:
            log.error(f"RPC error: {error.details()}")
    except Exception:  # noqa: BLE001 - raised in the program's callbacks (apply) rather than its body
        log.error(UNHANDLED + traceback.format_exc())
    finally:
        # What a failed program left running would otherwise be destroyed pending, with a warning.
        for task in asyncio.all_tasks(loop):
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.close()
    return language_pb2.RunResponse(bail=failed)


def main() -> None:
    request = language_pb2.RunRequest.FromString(sys.stdin.buffer.read())
    response = run(request, sys.argv[1] if len(sys.argv) > 1 else "")
    with os.fdopen(ANSWER_FD, "wb") as answer:
        answer.write(response.SerializeToString())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing left to do: the program's threads and modules need no orderly shutdown


if __name__ == "__main__":
    main()
