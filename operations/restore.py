"""`make restore`: a backup's keys into a running cluster of the same number of masters.

Each snapshot is loaded by a redis-server of its own in a short-lived container on the cluster's network
(the node's image, so the RDB's version is one it reads), and `redis-cli --cluster import --cluster-copy`
moves its keys to whichever master now serves their slots (MIGRATE: values and TTLs as saved). Neither the
nodes' containers nor their files are touched, so the cluster stays up and Pulumi's state stays true. The
password reaches the container as a file only it reads, never in its configuration.
"""

import secrets
import shlex
from pathlib import Path
from typing import Callable, Dict, Sequence

import docker
from docker.errors import DockerException
from requests.exceptions import RequestException

from components.labels import COMPONENT_LABEL, NAME_PREFIX_LABEL, PROJECT_LABEL, STACK_LABEL

from .cluster_view import observe
from .errors import OperationError
from .layout import BackupLayout, check_target, read_backup
from .node_shell import NodeShell, tar_of

RESTORE_DIR = "/restore"
SOURCE_PORT = 16379  # the loader's, on the container's loopback only
RESTORE_TIMEOUT_SECONDS = 1800
MARK = "restore:"  # the script's lines the tool shows; redis-cli's own (a line per key) it does not

# One snapshot after the other: load it, wait until it answers, copy its keys into the cluster, stop it.
LOADER_SCRIPT = r"""
set -u
if [ -f {dir}/auth ]; then REDISCLI_AUTH="$(cat {dir}/auth)"; export REDISCLI_AUTH; fi
for file in {files}; do
  work="$(mktemp -d)"
  cp "{dir}/$file" "$work/dump.rdb"
  redis-server --port {port} --bind 127.0.0.1 --protected-mode no --dir "$work" --dbfilename dump.rdb \
    --appendonly no --save '' --daemonize yes --logfile "$work/log"
  tries=0
  until [ "$(env -u REDISCLI_AUTH redis-cli -p {port} PING 2>/dev/null)" = PONG ]; do
    tries=$((tries + 1)); [ "$tries" -lt 6000 ] || {{ echo "{mark} $file: not loaded"; cat "$work/log"; exit 3; }}
    sleep 0.05
  done
  loaded="$(env -u REDISCLI_AUTH redis-cli -p {port} DBSIZE)"
  if redis-cli --no-auth-warning --cluster import {target} --cluster-from 127.0.0.1:{port} --cluster-copy {replace} \
      > "$work/import.log" 2>&1; then
    echo "{mark} $file: $loaded keys copied into the cluster"
  else
    echo "{mark} $file: the import failed:"; grep -v '^.*Migrating.*OK' "$work/import.log" | tail -5; exit 4
  fi
  env -u REDISCLI_AUTH redis-cli -p {port} SHUTDOWN NOSAVE >/dev/null 2>&1 || true
done
"""


def loader_script(files: Sequence[str], target: str, overwrite: bool) -> str:
    return LOADER_SCRIPT.format(
        dir=RESTORE_DIR,
        files=" ".join(shlex.quote(f) for f in files),
        port=SOURCE_PORT,
        target=shlex.quote(target),
        replace="--cluster-replace" if overwrite else "",
        mark=MARK,
    )


def _loader_labels(node: Dict[str, str]) -> Dict[str, str]:
    """The node's project labels, so a test run's or the stack's clean-up finds the loader too."""
    kept = {key: value for key, value in node.items() if key in (PROJECT_LABEL, STACK_LABEL, NAME_PREFIX_LABEL)}
    return {**kept, COMPONENT_LABEL: "RedisRestore"}


def run_loader(
    client: docker.DockerClient,
    node: NodeShell,
    folder: Path,
    layout: BackupLayout,
    target: str,
    overwrite: bool,
    report: Callable[[str], None],
) -> None:
    attrs = node.container.attrs
    network = next(iter(attrs["NetworkSettings"]["Networks"]))
    files = {m.file: (folder / m.file).read_bytes() for m in layout.masters}
    if node.password:
        files["auth"] = node.password.encode()
    container = client.containers.create(
        attrs["Image"],
        entrypoint=["sh", "-c"],
        command=[loader_script([m.file for m in layout.masters], target, overwrite)],
        name=f"{node.name}-restore-{secrets.token_hex(3)}",
        labels=_loader_labels(attrs["Config"].get("Labels") or {}),
        network=network,
    )
    try:
        container.put_archive("/", tar_of({f"{RESTORE_DIR.strip('/')}/{name}": data for name, data in files.items()}))
        container.start()
        status = container.wait(timeout=RESTORE_TIMEOUT_SECONDS)
        printed = container.logs().decode(errors="replace").splitlines()
        for line in printed:
            if line.startswith(MARK):
                report(line.removeprefix(MARK).strip())
        if status.get("StatusCode") != 0:
            raise OperationError(
                "the restore stopped: " + " / ".join(line for line in printed[-6:] if line.strip()),
                "read the lines above; the keys copied so far stay in the cluster (run it again with "
                "ARGS=--overwrite to finish)",
            )
    except (DockerException, RequestException) as error:
        raise OperationError(
            f"the restore's loader container failed ({error})", "check the engine (docker info)"
        ) from None
    finally:
        container.remove(force=True)


def restore_backup(
    client: docker.DockerClient,
    shells: Sequence[NodeShell],
    stack: str,
    folder: Path,
    overwrite: bool,
    report: Callable[[str], None],
) -> int:
    """The backup in `folder` into the cluster `shells` reach; returns the keys the cluster holds after."""
    layout = read_backup(folder)
    view = observe(shells, stack)
    check_target(layout, stack, len(view.masters), view.keys(), overwrite)
    report(f"{folder.name}: {len(layout.masters)} masters' snapshots, taken {layout.taken_at}")
    first = view.masters[0]
    run_loader(client, first.shell, folder, layout, first.entry.address, overwrite, report)
    return sum(view.keys().values())
