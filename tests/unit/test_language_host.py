"""The project's fallback hosts (scripts/toolchain): the language host's early answers are what the SDK's
servicer would send, the SDK-based service is loaded once, on the first call that needs it, and both hosts
pause the garbage collector only while they start."""
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pulumi.runtime.proto import language_pb2, plugin_pb2

TOOLCHAIN = Path(__file__).resolve().parents[2] / "scripts" / "toolchain"


@pytest.fixture(scope="module")
def language_host():
    sys.path.insert(0, str(TOOLCHAIN))  # as when it runs: sdk_language_host.py sits beside it
    try:
        spec = importlib.util.spec_from_file_location("language_host", TOOLCHAIN / "language_host.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(TOOLCHAIN))


def _early(language_host, method: str) -> bytes:
    return language_host.EARLY_ANSWERS[f"/pulumirpc.LanguageRuntime/{method}"].unary_unary(b"", None)


def test_protobuf_string_field_matches_the_sdk_encoding(language_host):
    for version in ("3.272.0", "x" * 200, "é" * 70, ""):
        assert language_host.protobuf_string_field(1, version) == plugin_pb2.PluginInfo(
            version=version).SerializeToString()


def test_early_answers_are_what_the_sdk_servicer_says(language_host):
    import importlib.metadata

    info = plugin_pb2.PluginInfo.FromString(_early(language_host, "GetPluginInfo"))
    assert info.version == importlib.metadata.version("pulumi")
    about = language_pb2.AboutResponse.FromString(_early(language_host, "About"))
    assert about.executable == sys.executable
    assert about.version == "{0.major}.{0.minor}.{0.micro}".format(sys.version_info)
    assert language_host.EARLY_ANSWERS["/pulumirpc.LanguageRuntime/Cancel"] is None  # UNIMPLEMENTED


def test_the_sdk_service_is_loaded_once_and_only_for_other_calls(language_host):
    loads = []

    def load():
        loads.append(1)
        return language_host.load_sdk_service("127.0.0.1:1")

    handler = language_host.DeferredHandler(load)
    assert handler.service(SimpleNamespace(method="/pulumirpc.LanguageRuntime/GetPluginInfo")) is not None
    assert handler.service(SimpleNamespace(method="/pulumirpc.LanguageRuntime/About")) is not None
    assert not loads
    run = handler.service(SimpleNamespace(method="/pulumirpc.LanguageRuntime/Run"))
    packages = handler.service(SimpleNamespace(method="/pulumirpc.LanguageRuntime/GetRequiredPackages"))
    assert run is not None and packages is not None and len(loads) == 1
    response = language_pb2.GetRequiredPackagesResponse.FromString(packages.response_serializer(
        packages.unary_unary(language_pb2.GetRequiredPackagesRequest(), None)))
    assert "docker" in {package.name for package in response.packages}  # pulumi_docker declares its plugin
    assert handler.service(SimpleNamespace(method="/pulumirpc.LanguageRuntime/NoSuchMethod")) is None


def test_the_hosts_pause_the_garbage_collector_while_they_start_and_resume_it_after():
    # A fresh interpreter: the switch is process-wide.
    probe = ("import gc, host_process\n"
             "host_process.pause_garbage_collection(); paused = not gc.isenabled()\n"
             "import json; loaded = json.dumps({})\n"
             "host_process.resume_garbage_collection()\n"
             "print(paused, gc.isenabled(), gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=TOOLCHAIN, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True"]


def test_the_dynamic_provider_host_serves_with_the_collector_running():
    # It prints its port only once it serves; by then start-up is over and the collector runs again.
    probe = ("import gc, runpy, sys\n"
             "sys.argv = ['dynamic_host.py', '127.0.0.1:1']\n"
             "runpy.run_module = lambda *a, **k: print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
             "exec(open('dynamic_host.py').read())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=TOOLCHAIN, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
