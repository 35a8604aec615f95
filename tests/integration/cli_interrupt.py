"""Interrupting a real `pulumi up` the two ways people do: Ctrl-C (SIGINT), and killing it outright.

The CLI runs as a child of this process in its own session; "killed outright" means the CLI and every
process it started (language host, provider plugins) get SIGKILL at once, as when a machine dies.
Only processes this module started are signalled, by pid.
"""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Mapping


def start_up(work_dir: Path, env: Mapping[str, str], stack: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack],
            cwd=work_dir,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _children() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # gone meanwhile
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    """`pid` and all its descendants (plugins re-parent to init once the CLI dies, so look first)."""
    children, tree, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def interrupt(process: subprocess.Popen, timeout: float = 120) -> int:
    """Ctrl-C: Pulumi stops starting operations, finishes those in flight and exits."""
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=timeout)


def kill_outright(process: subprocess.Popen) -> int:
    """SIGKILL to the CLI and everything it started, at once: nothing gets to finish or record."""
    for pid in process_tree(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return process.wait(timeout=30)
