"""The Python side of the project's fallback hosts (scripts/toolchain): the program runner and the dynamic
provider host pause the garbage collector only while they start, and load the SDK's Automation API only if
something uses it. The Go language host and the runner it starts are tested in
tests/integration/test_language_host.py."""

import subprocess
import sys
from pathlib import Path
from typing import List

TOOLCHAIN = Path(__file__).resolve().parents[2] / "scripts" / "toolchain"


def printed_by_fresh_interpreter(probe: str) -> List[str]:
    """What `probe` prints, run beside the hosts' files in a new interpreter: what the hosts switch
    (the collector, the import system) is process-wide, and this one has imported the SDK already."""
    done = subprocess.run([sys.executable, "-c", probe], cwd=TOOLCHAIN, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_hosts_pause_the_garbage_collector_while_they_start_and_resume_it_after():
    probe = (
        "import gc, host_process\n"
        "host_process.pause_garbage_collection(); paused = not gc.isenabled()\n"
        "import json; loaded = json.dumps({})\n"
        "host_process.resume_garbage_collection()\n"
        "print(paused, gc.isenabled(), gc.get_freeze_count() > 0)"
    )
    assert printed_by_fresh_interpreter(probe) == ["True", "True", "True"]


def test_the_dynamic_provider_host_serves_with_the_collector_running():
    # It prints its port only once it serves; by then start-up is over and the collector runs again.
    probe = (
        "import gc, runpy, sys\n"
        "sys.argv = ['dynamic_host.py', '127.0.0.1:1']\n"
        "runpy.run_module = lambda *a, **k: print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "exec(open('dynamic_host.py').read())"
    )
    assert printed_by_fresh_interpreter(probe) == ["True", "True"]


def test_the_hosts_load_the_automation_api_only_if_something_uses_it():
    probe = (
        "import sys, host_process\n"
        "host_process.load_unused_sdk_modules_on_first_use()\n"
        "import pulumi, pulumi.dynamic\n"
        "deferred = 'pulumi.automation._local_workspace' not in sys.modules\n"
        "workspace = pulumi.automation.LocalWorkspace.__name__\n"
        "print(deferred, workspace, 'pulumi.automation._local_workspace' in sys.modules)"
    )
    assert printed_by_fresh_interpreter(probe) == ["True", "LocalWorkspace", "True"]
