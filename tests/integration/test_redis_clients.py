"""The redis stack's `connect` hints, each run as a person pastes it, where the stack says it works: from a
host that routes to the containers' IPs (this machine), and from one that does not, as with Docker Desktop
or rootless Docker, simulated here by refusing this test's own client traffic to the cluster's subnet (an
iptables rule matching the clients' group, so the engine's port proxy still reaches the containers); and
`make redis-cli` with the engine reached over ssh://, as a remote one (this machine's, through an sshd of
the test's own).

`redis-cli -c` from the host follows redirects to container IPs: it works on the first and fails on the
second, as `worksWhere` says; redis-py with `address_remap` and `make redis-cli` (redis-cli inside the
cluster's network) work on both. Keys are written across every master, so each client is redirected.
"""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

import pytest
from pulumi import automation as auto

from harness.project_copy import REPO_ROOT
from harness.redis_view import RedisView
from tests.conftest import skip_or_fail
from tests.integration.sshd import Sshd

pytestmark = pytest.mark.integration

STACK = "redis-clients"
NO_ROUTE_GROUP = 65534  # nogroup: the clients' group while the host "cannot route" to the containers
KEYS = [f"client:{n}" for n in range(12)]  # 12 keys: every one of 3 masters serves some
CLIENT_TIMEOUT_SECONDS = 60


def connect(stack: auto.Stack) -> Dict[str, object]:
    return stack.outputs()["connect"].value


def subnet_of(stack: auto.Stack) -> str:
    return stack.outputs()["network"].value["subnet"]


def run(project, command: List[str], group: Optional[int], stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=project.root,
        env={**os.environ, **project.env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_SECONDS,
        group=group,
    )


def redis_cli_from_host(project, stack: auto.Stack, group: Optional[int]) -> subprocess.CompletedProcess:
    """The hint through a shell, as pasted, with SET and GET of every key (MOVED on most of them)."""
    hint = str(connect(stack)["redisCliFromHost"])
    script = "".join(f"{hint} SET {key} {key}-v && {hint} GET {key} && " for key in KEYS) + "true"
    return run(project, ["sh", "-c", script], group)


def redis_py(project, stack: auto.Stack, group: Optional[int]) -> subprocess.CompletedProcess:
    """The hint as a program, with the password where it reads it, then every key written and read."""
    code = str(connect(stack)["redisPy"]) + "".join(
        f'\nrc.set("{key}", "{key}-py"); assert rc.get("{key}") == b"{key}-py", "{key}"' for key in KEYS
    )
    env = {"REDIS_PASSWORD": RedisView.of(stack).password}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_SECONDS,
        group=group,
    )


def make_redis_cli(
    project, group: Optional[int], engine_env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    """`make redis-cli STACK=...` as make runs it, the commands on its stdin."""
    tool = [sys.executable, "-m", "operations", "--project-dir", str(project.root), "redis-cli", STACK]
    commands = "".join(f"SET {key} {key}-in\nGET {key}\n" for key in KEYS)
    result = subprocess.run(
        tool,
        cwd=REPO_ROOT,
        env={**os.environ, **project.env, **(engine_env or {})},
        input=commands,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_SECONDS,
        group=group,
    )
    return result


def values_read(printed: str, suffix: str) -> List[str]:
    return [line for line in printed.split() if line.endswith(suffix)]


@contextmanager
def no_route_to(subnet: str) -> Iterator[None]:
    """This host refuses the clients' own traffic to `subnet`, as a host that cannot route to it."""
    if os.geteuid() != 0:
        skip_or_fail("simulating a host that cannot route to the containers takes an iptables rule: run as root")
    # Published ports the engine DNATs (no userland proxy) stay open, as they do on Docker Desktop.
    rule = ["OUTPUT", "-d", subnet, "-m", "owner", "--gid-owner", str(NO_ROUTE_GROUP)]
    rule += ["-m", "conntrack", "!", "--ctstate", "DNAT", "-j", "REJECT"]
    subprocess.run(["iptables", "-I", *rule], check=True)
    try:
        yield
    finally:
        subprocess.run(["iptables", "-D", *rule], check=True)


def test_connect_says_where_each_hint_works(redis_stack) -> None:
    hints = connect(redis_stack)
    where = hints["worksWhere"]
    assert isinstance(where, dict) and set(where) == set(hints) - {"worksWhere"}, json.dumps(hints, indent=1)
    assert hints["redisCliInNetwork"] == f"make redis-cli STACK={STACK}"


def test_every_hint_works_from_a_host_that_routes_to_the_containers(project, redis_stack) -> None:
    cli = redis_cli_from_host(project, redis_stack, None)
    assert cli.returncode == 0 and len(values_read(cli.stdout, "-v")) == len(KEYS), cli.stdout + cli.stderr
    py = redis_py(project, redis_stack, None)
    assert py.returncode == 0, py.stderr
    inside = make_redis_cli(project, None)
    assert inside.returncode == 0 and len(values_read(inside.stdout, "-in")) == len(KEYS), inside.stdout + inside.stderr


def test_where_the_host_cannot_route_redis_py_and_make_redis_cli_still_work(project, redis_stack) -> None:
    with no_route_to(subnet_of(redis_stack)):
        cli = redis_cli_from_host(project, redis_stack, NO_ROUTE_GROUP)
        print(f"redis-cli -c from the host, no route: exit {cli.returncode}\n{cli.stdout}{cli.stderr}")
        refused = f"Could not connect to Redis at {subnet_of(redis_stack).rsplit('.', 1)[0]}."
        assert refused in cli.stdout + cli.stderr and len(values_read(cli.stdout, "-v")) < len(KEYS), (
            "redis-cli -c from the host followed every redirect although the host could not reach the "
            f"containers: the simulation did not hold\n{cli.stdout}{cli.stderr}"
        )
        py = redis_py(project, redis_stack, NO_ROUTE_GROUP)
        assert py.returncode == 0, py.stderr
        inside = make_redis_cli(project, NO_ROUTE_GROUP)
        assert inside.returncode == 0, inside.stderr
        assert len(values_read(inside.stdout, "-in")) == len(KEYS), inside.stdout + inside.stderr


def test_make_redis_cli_works_with_the_engine_over_ssh(project, redis_stack, sshd: Sshd) -> None:
    logins_before = sshd.sshd_log.read_text().count("Accepted publickey")
    over_ssh = {"DOCKER_HOST": sshd.url, "PATH": f"{sshd.cli_bin_dir}{os.pathsep}{project.env['PATH']}"}
    inside = make_redis_cli(project, None, over_ssh)
    assert inside.returncode == 0, inside.stderr
    assert len(values_read(inside.stdout, "-in")) == len(KEYS), inside.stdout + inside.stderr
    logins = sshd.sshd_log.read_text().count("Accepted publickey") - logins_before
    assert logins >= 2, f"the tool and the docker CLI should each have logged in over ssh: {logins} logins"
