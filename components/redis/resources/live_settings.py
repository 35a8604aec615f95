"""RedisLiveSettings: a dynamic provider that applies the live settings (components/redis/live_settings.py) to
every node with CONFIG SET, and keeps each node's redis.conf in step with CONFIG REWRITE.

Its inputs are the formation's (nodes, endpoints, password, container ids) plus `settings` and
`startingPassword` (what a container's auth.conf holds: StartingPassword), so a changed setting or
password, a node added, or a container recreated (a new id, starting again from the uploaded files'
values) is an update that applies them again. Nothing here replaces anything; delete leaves the values on
the nodes, which are going away or keep them. The formation depends on it: it forms and verifies a cluster
whose nodes already run with the stack's node timeout and password.

The password is `requirepass` and `masterauth`, never part of `settings` (shown in clear by preview): it
is the secret input `password`. A node that refuses it is logged into with the password before this update
or the starting one (node_auth.py), then given the current one: requirepass on every node first, then
masterauth (a replica's next sync sends it to its master), then CONFIG REWRITE.

diff: an input change is an update (preview shows `settings` with the old and new value of each setting,
the password as [secret]); with none, it asks the nodes, so a value changed behind Pulumi's back is put
back by the next `pulumi up`.
"""

import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.redis.model.config import CONFIG_PATH
from components.redis.model.live import (
    PASSWORD_DIRECTIVES,
    LiveSettings,
    NodeSteps,
    aof_rewrite_problems,
    changed_keys,
    drift,
    hidden,
    node_steps,
    password_values,
    starting_values,
)
from components.redis.resources.formation import RedisFormationArgs, formation_inputs
from components.redis.resources.node_session import (
    NO_FALLBACK,
    PROBE_TIMEOUT_SECONDS,
    STARTING_PASSWORD,
    FormationError,
    FormationSpec,
    NodeAuth,
    login,
    login_problems,
    on_each_node,
    refused,
    retry,
    secret_options,
    wait_for,
)


def observe_settings(
    spec: FormationSpec, names: List[str], auth: NodeAuth = NO_FALLBACK, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Dict[str, Any]:
    """Node name -> {directive: value} as CONFIG GET answers, for the nodes that answer."""
    import redis

    def settings_of(name: str) -> Optional[Dict[str, str]]:
        try:
            connection, values = _observe_node(spec, name, names, auth, timeout)
        except redis.RedisError:
            return None  # unreachable or starting: the formation reports it
        connection.close()
        return values

    nodes = [node.name for node in spec.plan.nodes]
    return {name: values for name, values in zip(nodes, on_each_node(nodes, settings_of)) if values is not None}


def _observe_node(
    spec: FormationSpec, name: str, names: Sequence[str], auth: NodeAuth, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Tuple[Any, Dict[str, str]]:
    """A logged-in client of the node and what CONFIG GET says of `names`; closed unless returned."""
    connection = login(spec, name, auth, timeout)
    try:
        return connection, {key: connection.config_get(key).get(key) for key in names}
    except BaseException:
        connection.close()
        raise


def _observe_to_apply(
    spec: FormationSpec, name: str, names: Sequence[str], auth: NodeAuth
) -> Tuple[Any, Dict[str, str]]:
    """_observe_node, failing at once (not at the deadline) for a node that refuses every password."""
    import redis

    try:
        return _observe_node(spec, name, names, auth)
    except redis.AuthenticationError as error:
        raise refused(spec, name, error) from error


def apply_to_node(
    spec: FormationSpec, name: str, wanted: Dict[str, str], deadline: float, auth: NodeAuth = NO_FALLBACK
) -> Dict[str, str]:
    """The stack's live settings on one node, e.g. a container just recreated. `wanted`: the settings
    (LiveSettings.values()); the password is `spec.password` ("": auth off). Logs in with it or, refused,
    with those of `auth` (NodeAuth.from_props(news, olds)), CONFIG SETs what differs (requirepass, then
    masterauth, then the rest), waits for an AOF turned on, CONFIG REWRITEs. Waits until `deadline` for the
    node to answer. Returns what was set, the password's values shown as [secret]."""
    return apply_to_nodes(spec, [name], wanted, deadline, auth)[name]


def apply_to_nodes(
    spec: FormationSpec, names: Sequence[str], wanted: Dict[str, str], deadline: float, auth: NodeAuth = NO_FALLBACK
) -> Dict[str, Dict[str, str]]:
    """apply_to_node on several nodes, the password in order: requirepass on every node, then masterauth on
    every node, then the other settings and CONFIG REWRITE node by node. Node name -> what was set."""
    wanted = {**wanted, **password_values(spec.password)}
    opened: Dict[str, Any] = {}
    try:
        steps: Dict[str, NodeSteps] = {}
        for name in names:  # each node's restart in between is waited for too
            look = partial(_observe_to_apply, spec, name, list(wanted), auth)
            opened[name], observed = retry(f"{name} to answer", look, deadline, spec)
            steps[name] = node_steps(observed, wanted, starting_values(auth.starting))
        for directive in PASSWORD_DIRECTIVES:
            for name in names:
                _set(opened[name], steps[name].to_set, [directive])
        for name in names:
            _finish(spec, opened[name], name, steps[name], deadline)
        return {name: hidden(steps[name].to_set) for name in names}
    finally:
        for connection in opened.values():
            connection.close()


def _set(connection: Any, to_set: Mapping[str, str], directives: Sequence[str]) -> None:
    for directive in directives:  # one by one: a CONFIG SET of several needs Redis 7
        if directive in to_set:
            connection.config_set(directive, to_set[directive])


def _finish(spec: FormationSpec, connection: Any, name: str, steps: NodeSteps, deadline: float) -> None:
    """The settings other than the password, the AOF's wait, the rewrite."""
    _set(connection, steps.to_set, [key for key in steps.to_set if key not in PASSWORD_DIRECTIVES])
    if steps.await_aof:
        wait_for(
            f"{name} to write its AOF",
            lambda: aof_rewrite_problems(connection.info("persistence")),
            deadline,
            spec,
        )
    if steps.rewrite:
        _rewrite(spec, connection, name)


def _rewrite(spec: FormationSpec, connection: Any, name: str) -> None:
    import redis

    try:
        connection.config_rewrite()
    except redis.ResponseError as error:
        raise FormationError(
            f"Redis Cluster '{spec.cluster_name}': {name} runs with the new settings but could not write them to "
            f"its redis.conf ({error}), so a restart would lose them. The user the server runs as must be able "
            f"to replace {CONFIG_PATH} (the node's run.sh gives it that at start); check `docker logs {name}`"
        ) from error


def apply_settings(
    spec: FormationSpec, wanted: Dict[str, str], auth: NodeAuth = NO_FALLBACK
) -> Dict[str, Dict[str, str]]:
    """Every planned node; node name -> what was set on it (empty: nothing differed)."""
    deadline = time.monotonic() + spec.timeout_seconds
    # As the formation does first: a container removed by hand fails at once, not at the timeout.
    wait_for("every node to answer", lambda: login_problems(spec, auth), deadline, spec)
    return apply_to_nodes(spec, [node.name for node in spec.plan.nodes], wanted, deadline, auth)


def _drift(props: Dict[str, Any]) -> List[str]:
    spec = FormationSpec.from_props(props)
    wanted = {**props["settings"], **password_values(spec.password)}
    return drift(observe_settings(spec, list(wanted), NodeAuth.from_props(props)), wanted)


def _apply(news: Dict[str, Any], olds: Optional[Dict[str, Any]] = None) -> None:
    apply_settings(FormationSpec.from_props(news), dict(news["settings"]), NodeAuth.from_props(news, olds))


class RedisLiveSettingsProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties on every call."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        _apply(props)
        return CreateResult(id_=f"{props['clusterName']}-live-settings", outs={**props, "drift": []})

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        _apply(news, olds)
        return UpdateResult(outs={**news, "drift": []})

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs={**props, "drift": _drift(props)})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        changed = changed_keys(olds, news)
        drifted = not changed and (bool(olds.get("drift")) or bool(_drift(olds)))
        return DiffResult(changes=bool(changed) or drifted, replaces=[], delete_before_replace=False)

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        pass  # the values stay on the nodes: they are being deleted, or keep running as they are


@dataclass(frozen=True)
class RedisLiveSettingsArgs:
    formation: RedisFormationArgs  # the nodes, where they answer, the current password, every container's id
    settings: LiveSettings
    starting_password: pulumi.Input[str] = ""  # a secret: what the containers' auth.conf holds; "": auth off


class RedisLiveSettings(Resource, module="redis", name="LiveSettings"):
    """Output: drift (per node, a setting that differs from the stack's, as the last refresh saw it)."""

    drift: pulumi.Output[List[str]]

    def __init__(self, name: str, args: RedisLiveSettingsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props = {
            **formation_inputs(args.formation),
            "settings": args.settings.values(),
            STARTING_PASSWORD: pulumi.Output.secret(args.starting_password),
            "drift": None,
        }
        opts = secret_options(opts, args.formation.timeout_seconds + 60)
        super().__init__(RedisLiveSettingsProvider(), name, props, opts)
