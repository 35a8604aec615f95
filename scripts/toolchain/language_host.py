"""A Python language host for the Pulumi CLI, built on the Python SDK's own LanguageServer.

Used only when the official `pulumi-language-python` cannot be had: the official installer is out of
reach and its Go module is not served by this machine's module proxy. The CLI starts this program as the
plugin `pulumi-language-python <engine-address>`, reads the port it prints, and calls Run for every
preview/update; Run executes the project's __main__.py in this process, exactly as the SDK's
Automation API runs inline programs.
"""
import importlib.metadata
import json
import os
import runpy
import signal
import sys
import traceback
from concurrent import futures
from pathlib import Path
from typing import Iterator, Tuple

import grpc
from pulumi.errors import RunError
from pulumi.automation._server import LanguageServer
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

SDK_VERSION = importlib.metadata.version("pulumi")


def installed_resource_plugins() -> Iterator[Tuple[str, str, str]]:
    """(name, version, server) of every installed package that declares a resource plugin."""
    for dist in importlib.metadata.distributions():
        for file in dist.files or ():
            if file.name == "pulumi-plugin.json":
                info = json.loads(Path(dist.locate_file(file)).read_text(encoding="utf-8"))
                if info.get("resource"):
                    yield info["name"], info.get("version", ""), info.get("server", "")


class ProjectLanguageHost(LanguageServer):
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

    def Run(self, request, context):
        self._program_dir = request.info.program_directory or request.pwd or os.getcwd()
        os.chdir(self._program_dir)
        # The SDK's server takes the engine address from args[0]; the CLI gave it to us on the command line.
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

    def GetRequiredPlugins(self, request, context):
        return language_pb2.GetRequiredPluginsResponse(plugins=[
            plugin_pb2.PluginDependency(name=n, kind="resource", version=v, server=s)
            for n, v, s in installed_resource_plugins()])

    def GetRequiredPackages(self, request, context):
        return language_pb2.GetRequiredPackagesResponse(packages=[
            plugin_pb2.PackageDependency(name=n, kind="resource", version=v, server=s)
            for n, v, s in installed_resource_plugins()])

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=SDK_VERSION)


def main() -> None:
    engine_address = sys.argv[-1] if len(sys.argv) > 1 else ""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(ProjectLanguageHost(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The plugin protocol: the first line on stdout is the port the CLI dials.
    print(port, flush=True)
    # The CLI ends its plugins with SIGINT/SIGTERM when it is done: stop quietly, not with a traceback.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop(grace=None))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
