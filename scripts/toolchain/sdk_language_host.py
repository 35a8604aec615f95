"""The language host's service on the Python SDK's own LanguageServer (loaded by language_host.py).

Run executes the project's __main__.py in this process, exactly as the SDK's Automation API runs inline
programs. Importing this module imports the Pulumi SDK, the slow part of the host's start.
GetPluginInfo, About and Cancel never reach it: language_host.py answers them itself. The garbage
collector, paused since the host started, resumes once the program's top-level code has run.
"""
import importlib.metadata
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import grpc
from pulumi.automation._server import LanguageServer
from pulumi.errors import RunError
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from host_process import resume_garbage_collection


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
        finally:
            # Its imports and declarations done, the program now waits on the engine for a while.
            resume_garbage_collection()

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


class _HandlerCollector:
    """Stands in for a grpc server to collect what the generated add_*_to_server function registers."""

    def __init__(self) -> None:
        self.handlers: List[grpc.GenericRpcHandler] = []

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.handlers.extend(handlers)

    def add_registered_method_handlers(self, service: str, handlers: Dict[str, grpc.RpcMethodHandler]) -> None:
        self.handlers.append(grpc.method_handlers_generic_handler(service, handlers))


def rpc_handlers(engine_address: str) -> List[grpc.GenericRpcHandler]:
    collector = _HandlerCollector()
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(ProjectLanguageHost(engine_address), collector)
    return collector.handlers
