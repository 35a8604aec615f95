"""Runs one Pulumi program for the project's fallback language host (language-host/, in Go).

The host starts `python -u program_runner.py <engine-address>` in the program's directory, writes the
CLI's RunRequest to stdin and reads the RunResponse from file descriptor 3. The program runs here on the
Python SDK's own LanguageServer, as the SDK's Automation API runs inline programs; what it prints goes
to this process's stdout and stderr, which are the host's.
"""
import os
import runpy
import sys
import traceback

from host_process import pause_garbage_collection, resume_garbage_collection  # beside this file

pause_garbage_collection()  # until the program's top-level code has run
from pulumi.automation._server import LanguageServer  # noqa: E402 - after the pause, as everything slow
from pulumi.errors import RunError  # noqa: E402
from pulumi.runtime.proto import language_pb2  # noqa: E402

ANSWER_FD = 3


class ProjectProgram(LanguageServer):
    """LanguageServer.Run, with the project's __main__.py as the program."""

    def __init__(self, engine_address: str) -> None:
        super().__init__(self._run_main)
        self._engine_address = engine_address
        self._program_dir = os.getcwd()

    def _run_main(self) -> None:
        # Import the project's own packages the way `python __main__.py` would.
        if self._program_dir not in sys.path:
            sys.path.insert(0, self._program_dir)
        try:
            runpy.run_path(os.path.join(self._program_dir, "__main__.py"), run_name="__main__")
        except RunError:
            raise  # the program's own clean error, printed as it is
        except Exception:  # noqa: BLE001 - reported like the official host does, with the traceback
            raise RunError("Program failed with an unhandled exception:\n" + traceback.format_exc()) from None
        finally:
            # Its imports and declarations done, the program now waits on the engine for a while.
            resume_garbage_collection()

    def Run(self, request, context):
        self._program_dir = request.info.program_directory or request.pwd or os.getcwd()
        os.chdir(self._program_dir)
        # The SDK's server takes the engine address from args[0]; the CLI gave it to the host.
        forwarded = language_pb2.RunRequest()
        forwarded.CopyFrom(request)
        del forwarded.args[:]
        forwarded.args.append(self._engine_address)
        response = super().Run(forwarded, context)
        if response.error:
            # The SDK's server has already logged the error as a diagnostic; bail, as the official
            # host does, so the CLI does not print it a second time as "an unhandled error occurred".
            response.bail = True
            response.error = ""
        return response


def main() -> None:
    request = language_pb2.RunRequest.FromString(sys.stdin.buffer.read())
    response = ProjectProgram(sys.argv[1] if len(sys.argv) > 1 else "").Run(request, None)
    with os.fdopen(ANSWER_FD, "wb") as answer:
        answer.write(response.SerializeToString())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing left to do: the program's threads and modules need no orderly shutdown


if __name__ == "__main__":
    main()
