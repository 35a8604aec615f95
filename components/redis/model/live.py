"""Settings a running Redis node takes with CONFIG SET: which ones, their values, and what a node needs done.

A container node's redis.conf is uploaded with its sha256, so anything rendered into it replaces the
container when it changes (all nodes at once). The settings below are therefore rendered into it at fixed
starting values only, and the current values reach every node through RedisLiveSettings
(formation/live_settings.py): CONFIG SET, then CONFIG REWRITE so a restart of the same container keeps
them. A changed value is an update of that resource, no container is replaced.

Live: `cluster-node-timeout` (read at each cluster tick, nothing to restart), `appendonly` (turning it
on starts an AOF rewrite of the data set, waited for before the file says so) and the password
(`requirepass`, `masterauth`). A new container must start already protected, which only its uploaded
auth.conf can give it: that upload holds the password of the first `up` (StartingPassword), so a node
created later starts with it until the live settings give it the current one. The password's values are
never part of `values()`, which preview shows in clear. Addresses, ports, `cluster-*` file and identity
settings are what the cluster is made of: they stay in the uploaded file.

Pure: the provider feeds it what the nodes report, the tests feed it dictionaries.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.config import yes_no
from components.unknowns import is_unknown

NODE_TIMEOUT = "cluster-node-timeout"
APPENDONLY = "appendonly"
REQUIREPASS = "requirepass"
MASTERAUTH = "masterauth"
# Directive -> the stack setting it comes from, for messages and the docs.
LIVE_DIRECTIVES: Dict[str, str] = {
    NODE_TIMEOUT: "redis.nodeTimeoutMs",
    APPENDONLY: "redis.appendonly",
    REQUIREPASS: "redisPassword",
    MASTERAUTH: "redisPassword",
}
# In this order, each on every node before the next: a replica's masterauth is what its next sync with its
# master sends, so every master must take the new password first. Connections and replication links that
# are already authenticated survive a new requirepass.
PASSWORD_DIRECTIVES = (REQUIREPASS, MASTERAUTH)
HIDDEN = "[secret]"


@dataclass(frozen=True)
class LiveSettings:
    node_timeout_ms: int = 5000
    appendonly: bool = True

    def values(self) -> Dict[str, str]:
        """Directive -> value, spelled as CONFIG GET answers, so they compare as strings."""
        return {NODE_TIMEOUT: str(self.node_timeout_ms), APPENDONLY: yes_no(self.appendonly)}


# What a container node's uploaded redis.conf says, whatever the stack's settings: the defaults, so the file
# of a stack deployed before with default settings stays byte for byte the same.
STARTING = LiveSettings()


def live_settings(args: RedisClusterArgs) -> LiveSettings:
    return LiveSettings(node_timeout_ms=args.node_timeout_ms, appendonly=args.appendonly)


def password_values(password: str) -> Dict[str, str]:
    """The password's directives and their value; none with authentication off (an empty password)."""
    return {name: password for name in PASSWORD_DIRECTIVES} if password else {}


def starting_values(starting_password: str) -> Dict[str, str]:
    """What a container node runs with when it starts: its uploaded files' values."""
    return {**STARTING.values(), **password_values(starting_password)}


def hidden(values: Mapping[str, str]) -> Dict[str, str]:
    """`values` with the password's shown as [secret]: fit for a message or an output."""
    return {name: HIDDEN if name in PASSWORD_DIRECTIVES else value for name, value in values.items()}


@dataclass(frozen=True, repr=False)
class NodeSteps:
    """What one node needs: CONFIG SET of `to_set`, then (if `rewrite`) CONFIG REWRITE, after waiting for an
    AOF rewrite when `appendonly` was just turned on (else a restart in between would load an AOF that
    lacks the data written while it was off)."""

    to_set: Dict[str, str]
    rewrite: bool
    await_aof: bool

    def __repr__(self) -> str:  # to_set may hold the password
        return f"NodeSteps(to_set={hidden(self.to_set)}, rewrite={self.rewrite}, await_aof={self.await_aof})"


def node_steps(
    observed: Mapping[str, str], wanted: Mapping[str, str], starting: Optional[Mapping[str, str]] = None
) -> NodeSteps:
    """`observed`: what CONFIG GET says now; `starting`: what the node's uploaded files say (default: the
    starting live settings, no password). The file is rewritten when something is set, and whenever the
    wanted values differ from the starting ones (an earlier rewrite may have failed after the set)."""
    to_set = {name: value for name, value in wanted.items() if observed.get(name) != value}
    starting = STARTING.values() if starting is None else starting
    return NodeSteps(
        to_set=to_set,
        rewrite=bool(to_set) or any(starting.get(name) != value for name, value in wanted.items()),
        await_aof=to_set.get(APPENDONLY) == "yes",
    )


def aof_rewrite_problems(persistence: Mapping[str, Any]) -> List[str]:
    """What INFO persistence says keeps the AOF from being complete; [] once it is."""
    problems = []
    if str(persistence.get("aof_rewrite_in_progress", 0)) != "0":
        problems.append("an AOF rewrite is in progress")
    if str(persistence.get("aof_rewrite_scheduled", 0)) != "0":
        problems.append("an AOF rewrite is scheduled")
    status = str(persistence.get("aof_last_bgrewrite_status", "ok"))
    if status != "ok":
        problems.append(f"the last AOF rewrite failed ({status}): see the node's log")
    return problems


def drift(observed: Mapping[str, Mapping[str, str]], wanted: Mapping[str, str]) -> List[str]:
    """Per node (name -> CONFIG GET values) the settings that differ from `wanted`, the password without its
    values. Nodes that did not answer are left out: an unreachable node is the formation's to report."""
    return [
        _differs(node, name, values.get(name), value)
        for node, values in sorted(observed.items())
        for name, value in wanted.items()
        if values.get(name) != value
    ]


def _differs(node: str, name: str, seen: Optional[str], value: str) -> str:
    if name in PASSWORD_DIRECTIVES:
        return f"{node}: {name} is not the stack's password"
    return f"{node}: {name} is {seen}, not {value}"


# startingPassword changes only when auth.conf does, with new containers: applied again then too.
UPDATE_KEYS = ("settings", "endpoints", "password", "startingPassword", "containers", "topology", "timeoutSeconds")


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> List[str]:
    """The inputs that differ (or are not known yet, in preview). Any of them is an update, never a
    replacement: new values, nodes added or recreated (new container ids) all mean applying again."""
    return [key for key in UPDATE_KEYS if is_unknown(news.get(key)) or olds.get(key) != news.get(key)]
