"""A Python language host for the Pulumi CLI, built on the Python SDK's own LanguageServer.

Used only when the official `pulumi-language-python` cannot be had: the official installer is out of
reach and its Go module is not served by this machine's module proxy. The CLI starts this program as the
plugin `pulumi-language-python <engine-address>`, reads the port it prints, and calls Run for every
preview/update; the service itself is sdk_language_host.py.

Every `pulumi` command starts this host up to three times and waits for each start and each stop, so
both are kept short: the port is printed before the SDK is imported (0.2 s), the first calls the CLI makes
(GetPluginInfo, About, Cancel) are answered without it, and a stop ends the process at once.
"""
import importlib.metadata
import sys
import threading
from concurrent import futures
from typing import Callable, Dict, Optional, Sequence

import grpc

from host_process import exit_at_once_when_stopped, pause_garbage_collection

SERVICE = "pulumirpc.LanguageRuntime"


def protobuf_string_field(number: int, value: str) -> bytes:
    """A proto3 string field in protobuf's wire format: tag, varint length, UTF-8 bytes (none if empty)."""
    data = value.encode()
    if not data:
        return b""
    length, varint = len(data), bytearray()
    while True:
        byte, length = length & 0x7F, length >> 7
        varint.append(byte | (0x80 if length else 0))
        if not length:
            return bytes([number << 3 | 2]) + bytes(varint) + data


def _answer(payload: bytes) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(lambda _request, _context: payload)


# Answered without the SDK: the host the CLI starts first asks only these. GetPluginInfo:
# PluginInfo{version = 1}. About: AboutResponse{executable = 1, version = 2}, what the SDK's servicer
# says. Cancel: not implemented (None: grpc says UNIMPLEMENTED), as with the SDK's servicer, since the
# program runs in this process.
EARLY_ANSWERS: Dict[str, Optional[grpc.RpcMethodHandler]] = {
    f"/{SERVICE}/GetPluginInfo": _answer(protobuf_string_field(1, importlib.metadata.version("pulumi"))),
    f"/{SERVICE}/About": _answer(protobuf_string_field(1, sys.executable) + protobuf_string_field(
        2, "{0.major}.{0.minor}.{0.micro}".format(sys.version_info))),
    f"/{SERVICE}/Cancel": None,
}


class DeferredHandler(grpc.GenericRpcHandler):
    """Serves EARLY_ANSWERS at once; the first other call loads the SDK-based service, which serves it.

    Loaded on demand, not in the background: the import holds the interpreter's lock and would delay the
    early answers, and the host the CLI starts only to ask GetPluginInfo never needs the SDK."""

    def __init__(self, load: Callable[[], Sequence[grpc.GenericRpcHandler]]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._handlers: Optional[Sequence[grpc.GenericRpcHandler]] = None

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Optional[grpc.RpcMethodHandler]:
        if handler_call_details.method in EARLY_ANSWERS:
            return EARLY_ANSWERS[handler_call_details.method]
        with self._lock:
            if self._handlers is None:
                self._handlers = self._load()
        for handler in self._handlers:
            found = handler.service(handler_call_details)
            if found is not None:
                return found
        return None


def load_sdk_service(engine_address: str) -> Sequence[grpc.GenericRpcHandler]:
    import sdk_language_host  # beside this file; it imports the Pulumi SDK, most of this host's start

    return sdk_language_host.rpc_handlers(engine_address)


def main() -> None:
    exit_at_once_when_stopped()
    pause_garbage_collection()  # until the program's top-level code has run (sdk_language_host.py)
    engine_address = sys.argv[-1] if len(sys.argv) > 1 else ""
    deferred = DeferredHandler(lambda: load_sdk_service(engine_address))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=(deferred,),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The plugin protocol: the first line on stdout is the port the CLI dials.
    print(port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
