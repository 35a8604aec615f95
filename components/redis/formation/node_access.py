"""Talking to the nodes of a planned cluster: typed inputs, short-lived clients, bounded waits.

The formation provider is pickled into the state, so nothing here holds a client or a socket between
calls: every call opens its own and closes it (or a `Clients` pool lives for one operation only).
"""

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar

from components.redis.formation.state import NodeObservation, parse_cluster_nodes, parse_info
from components.redis.plan import ClusterPlan, NodePlan, topology_from_props

# Short: every wait ends as soon as the nodes say so (a poll is a few loopback round trips).
POLL_SECONDS = 0.05
PROBE_TIMEOUT_SECONDS = 2.0

T = TypeVar("T")


class FormationError(Exception):
    """The cluster could not be formed, changed or verified; the message says what the nodes reported."""


@dataclass(frozen=True)
class FormationSpec:
    """The provider's inputs as typed values.

    `leaving` are nodes of the previous topology that the new one drops: still running (Pulumi deletes
    their containers after the formation's update) and reachable through `endpoints`, so their slots can
    be moved off and they can be forgotten before they go.
    """

    cluster_name: str
    plan: ClusterPlan
    endpoints: Mapping[str, Mapping[str, Any]]
    password: str = field(repr=False)
    timeout_seconds: float
    leaving: Sequence[NodePlan] = ()
    containers: Mapping[str, str] = field(default_factory=dict)  # node name -> container id

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "FormationSpec":
        return cls(
            cluster_name=props["clusterName"],
            plan=topology_from_props(props["topology"]),
            endpoints=props["endpoints"],
            password=props.get("password") or "",
            timeout_seconds=float(props.get("timeoutSeconds") or 120),
            containers=dict(props.get("containers") or {}),
        )

    @classmethod
    def for_update(cls, olds: Mapping[str, Any], news: Mapping[str, Any]) -> "FormationSpec":
        """The new inputs, plus the nodes the old topology had and the new one drops."""
        spec, old = cls.from_props(news), cls.from_props(olds)
        kept = {node.name for node in spec.plan.nodes}
        leaving = tuple(node for node in old.plan.nodes if node.name not in kept)
        endpoints = {**{node.name: old.endpoints[node.name] for node in leaving}, **spec.endpoints}
        return cls(
            cluster_name=spec.cluster_name,
            plan=spec.plan,
            endpoints=endpoints,
            password=spec.password,
            timeout_seconds=spec.timeout_seconds,
            leaving=leaving,
            containers=spec.containers,
        )

    def ip_of(self, name: str) -> str:
        return self.node_of(name).ip

    def node_of(self, name: str) -> NodePlan:
        """A node of the plan or a leaving one: its announced address is ip:port."""
        return next(node for node in (*self.plan.nodes, *self.leaving) if node.name == name)

    def timeout(self, what: str, problems: Sequence[str]) -> FormationError:
        return FormationError(
            f"Redis Cluster '{self.cluster_name}': timed out after {self.timeout_seconds:.0f}s waiting for "
            f"{what}: {'; '.join(problems)}. Check the nodes with `docker logs <node>`; a slow machine may "
            "need a larger redis.formationTimeoutSeconds"
        )


def client(spec: FormationSpec, name: str, timeout: float = PROBE_TIMEOUT_SECONDS):
    import redis  # here, not at module level: nothing client-like is pickled with the provider
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    endpoint = spec.endpoints[name]
    # No retries inside redis-py: the callers poll with their own deadline.
    return redis.Redis(
        host=endpoint["host"],
        port=int(endpoint["port"]),
        password=spec.password or None,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, 5.0),
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
    )


class Clients:
    """One client per node for the length of one operation (a reshard sends thousands of commands)."""

    def __init__(self, spec: FormationSpec) -> None:
        self.spec = spec
        self._open: Dict[str, Any] = {}

    def __getitem__(self, name: str):
        if name not in self._open:
            self._open[name] = client(self.spec, name)
        return self._open[name]

    def __enter__(self) -> "Clients":
        return self

    def __exit__(self, *_exc: object) -> None:
        for opened in self._open.values():
            opened.close()
        self._open.clear()


def observe_node(spec: FormationSpec, name: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> NodeObservation:
    import redis

    node = client(spec, name, timeout)
    try:
        # INFO replication too: a replica is only a replica once its link to the master is up (synced).
        info = {
            **{key: str(value) for key, value in node.info("replication").items()},
            **parse_info(node.execute_command("CLUSTER", "INFO")),
        }
        entries = tuple(parse_cluster_nodes(node.execute_command("CLUSTER", "NODES")))
        return NodeObservation(name=name, info=info, entries=entries)
    except redis.RedisError as error:
        endpoint = spec.endpoints[name]
        return NodeObservation(name=name, error=f"{endpoint['host']}:{int(endpoint['port'])}: {error}")
    finally:
        node.close()


def observe(spec: FormationSpec, timeout: float = PROBE_TIMEOUT_SECONDS) -> List[NodeObservation]:
    """What every planned node says (the leaving ones are not asked)."""
    return [observe_node(spec, node.name, timeout) for node in spec.plan.nodes]


def command(spec: FormationSpec, name: str, *args: Any) -> Any:
    node = client(spec, name)
    try:
        return node.execute_command(*args)
    finally:
        node.close()


def wait_for(what: str, check: Callable[[], Optional[List[str]]], deadline: float, spec: FormationSpec) -> None:
    """Poll `check` (problems, or None/[] when done) until it passes or the deadline is hit."""
    while True:
        problems = check()
        if not problems:
            return
        if time.monotonic() >= deadline:
            raise spec.timeout(what, problems)
        time.sleep(POLL_SECONDS)


def observe_until(
    what: str,
    look: Callable[[], List[NodeObservation]],
    problems_in: Callable[[List[NodeObservation]], List[str]],
    deadline: float,
    spec: FormationSpec,
) -> List[NodeObservation]:
    """Poll `look` until `problems_in` finds nothing wrong in it; returns that look, so the caller decides
    on what was seen to pass rather than on one more look."""
    last: List[NodeObservation] = []

    def check() -> List[str]:
        last[:] = look()
        return problems_in(last)

    wait_for(what, check, deadline, spec)
    return last


def retry(what: str, action: Callable[[], T], deadline: float, spec: FormationSpec) -> T:
    """Run `action` until Redis accepts it (e.g. a node not yet known by gossip) or the deadline."""
    import redis

    results: List[T] = []

    def attempt() -> Optional[List[str]]:
        try:
            results.append(action())
            return None
        except redis.RedisError as error:
            return [f"{what}: {error}"]

    wait_for(what, attempt, deadline, spec)
    return results[-1]


def own_ids(observations: Sequence[NodeObservation]) -> Dict[str, str]:
    """Node name -> the id it reports for itself."""
    return {o.name: o.myself.node_id for o in observations if o.myself}
