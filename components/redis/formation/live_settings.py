"""RedisLiveSettings: a dynamic provider that applies the live settings (components/redis/live_settings.py) to
every node with CONFIG SET, and keeps each node's redis.conf in step with CONFIG REWRITE.

Its inputs are the formation's (nodes, endpoints, password, container ids) plus `settings`, so a changed
setting, a node added, or a container recreated (a new id, starting again from the uploaded file's starting
values) is an update that applies them again. Nothing here replaces anything; delete leaves the values on
the nodes, which are going away or keep them. The formation depends on it: it forms and verifies a cluster
whose nodes already run with the stack's node timeout.

diff: an input change is an update (preview shows `settings` with the old and new value of each setting);
with none, it asks the nodes, so a value changed behind Pulumi's back is put back by the next `pulumi up`.
"""

import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.redis.config import CONFIG_PATH
from components.redis.formation.node_access import (
    PROBE_TIMEOUT_SECONDS,
    FormationError,
    FormationSpec,
    client,
    retry,
    wait_for,
)
from components.redis.formation.provider import RedisFormationArgs, formation_inputs, reachability_problems
from components.redis.live_settings import LiveSettings, aof_rewrite_problems, changed_keys, drift, node_steps


def observe_settings(spec: FormationSpec, names: List[str], timeout: float = PROBE_TIMEOUT_SECONDS) -> Dict[str, Any]:
    """Node name -> {directive: value} as CONFIG GET answers, for the nodes that answer."""
    import redis

    observed: Dict[str, Any] = {}
    for node in spec.plan.nodes:
        connection = client(spec, node.name, timeout)
        try:
            observed[node.name] = {name: connection.config_get(name).get(name) for name in names}
        except redis.RedisError:
            pass  # unreachable or starting: the formation reports it
        finally:
            connection.close()
    return observed


def apply_to_node(spec: FormationSpec, name: str, wanted: Dict[str, str], deadline: float) -> Dict[str, str]:
    """CONFIG SET what differs on one node, wait for an AOF turned on, CONFIG REWRITE; returns what was set."""
    connection = client(spec, name)
    try:
        # Every node answered just now; a node's restart in between is waited for too.
        observed = retry(
            f"{name} to answer", lambda: {k: connection.config_get(k).get(k) for k in wanted}, deadline, spec
        )
        steps = node_steps(observed, wanted)
        for directive, value in steps.to_set.items():  # one by one: a CONFIG SET of several needs Redis 7
            connection.config_set(directive, value)
        if steps.await_aof:
            wait_for(
                f"{name} to write its AOF",
                lambda: aof_rewrite_problems(connection.info("persistence")),
                deadline,
                spec,
            )
        if steps.rewrite:
            _rewrite(spec, connection, name)
        return steps.to_set
    finally:
        connection.close()


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


def apply_settings(spec: FormationSpec, wanted: Dict[str, str]) -> Dict[str, Dict[str, str]]:
    """Every planned node, one after the other; node name -> what was set on it (empty: nothing differed)."""
    deadline = time.monotonic() + spec.timeout_seconds
    # As the formation does first: a container removed by hand fails at once, not at the timeout.
    wait_for("every node to answer", lambda: reachability_problems(spec), deadline, spec)
    return {node.name: apply_to_node(spec, node.name, wanted, deadline) for node in spec.plan.nodes}


def _drift(props: Dict[str, Any]) -> List[str]:
    spec, wanted = FormationSpec.from_props(props), dict(props["settings"])
    return drift(observe_settings(spec, list(wanted)), wanted)


class RedisLiveSettingsProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties on every call."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        apply_settings(FormationSpec.from_props(props), dict(props["settings"]))
        return CreateResult(id_=f"{props['clusterName']}-live-settings", outs={**props, "drift": []})

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        apply_settings(FormationSpec.from_props(news), dict(news["settings"]))
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
    formation: RedisFormationArgs  # the nodes, where they answer, the password, every container's id
    settings: LiveSettings


class RedisLiveSettings(Resource, module="redis", name="LiveSettings"):
    """Output: drift (per node, a setting that differs from the stack's, as the last refresh saw it)."""

    drift: pulumi.Output[List[str]]

    def __init__(self, name: str, args: RedisLiveSettingsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props = {**formation_inputs(args.formation), "settings": args.settings.values(), "drift": None}
        timeout = f"{args.formation.timeout_seconds + 60}s"
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=["password"],
                custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
            ),
        )
        super().__init__(RedisLiveSettingsProvider(), name, props, opts)
