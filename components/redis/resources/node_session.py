"""The one way the dynamic resources reach a cluster's nodes: typed inputs, short-lived clients, logging
in, bounded waits.

The resources are pickled into the state, so nothing here holds a client or a socket between calls: every
call opens its own and closes it (or a `Clients` pool lives for one operation only).

A node's password may not be the stack's yet: it is applied live (RedisLiveSettings), so a node may run for
a while with the one before this update (nodes not changed yet, or an update that stopped half-way), or the
first one, which a container's uploaded auth.conf holds (StartingPassword) when it was created after a
change. NodeAuth names those; `login` tries the stack's password first, then them. Never a password in a
message.
"""

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

from components.engine.container_presence import missing_containers
from components.redis.model.cluster_state import NodeObservation, parse_cluster_nodes, parse_info
from components.redis.model.plan import ClusterPlan, NodePlan, topology_from_props

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


def on_each_node(names: Sequence[str], action: Callable[[str], T]) -> List[T]:
    """`action(name)` for every node at once, the results in the order of `names`: each call is mostly a few
    round trips of waiting, and a diff or a poll asks every node."""
    if len(names) < 2:
        return [action(name) for name in names]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        return list(pool.map(action, names))


def observe(spec: FormationSpec, timeout: float = PROBE_TIMEOUT_SECONDS) -> List[NodeObservation]:
    """What every planned node says (the leaving ones are not asked)."""
    return on_each_node([node.name for node in spec.plan.nodes], lambda name: observe_node(spec, name, timeout))


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


# --- Nodes whose container was removed by hand, and nodes that do not answer --------------------------


def reachability_problems(spec: FormationSpec) -> List[str]:
    """Nodes that do not answer; raises at once when one's container was removed behind Pulumi's back."""
    return unreachable_problems(spec, {o.name: o.error or "" for o in observe(spec) if not o.reachable})


def unreachable_problems(spec: FormationSpec, unreachable: Mapping[str, str]) -> List[str]:
    """`unreachable`: node -> why it did not answer, as problems; raises at once when one's container was
    removed behind Pulumi's back."""
    removed = missing_containers({n: spec.containers[n] for n in unreachable if n in spec.containers})
    if removed:
        # No wait brings back a container removed by hand: say so now, not at the timeout.
        raise FormationError(
            f"Redis Cluster '{spec.cluster_name}': the container of {', '.join(removed)} no longer exists "
            "(removed outside Pulumi), and Pulumi's state still lists it. Fix: `pulumi up --refresh` "
            "recreates it and the formation rejoins it to the cluster"
        )
    return [f"{name}: {error}" for name, error in unreachable.items()]


# --- Logging in: a node's password may not be the stack's yet -----------------------------------------


STARTING_PASSWORD = "startingPassword"  # the resource input that holds NodeAuth.starting


@dataclass(frozen=True)
class NodeAuth:
    """The passwords a node may run with besides the stack's (FormationSpec.password); "": none."""

    starting: str = field(default="", repr=False)  # what the containers' auth.conf holds
    previous: str = field(default="", repr=False)  # the stack's password before this update

    @classmethod
    def from_props(cls, news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None) -> "NodeAuth":
        """From a resource's inputs: `startingPassword` of `news` and, on an update, the `password` of `olds`
        (absent in a state written before they existed: no fallback then)."""
        return cls(starting=news.get(STARTING_PASSWORD) or "", previous=(olds or {}).get("password") or "")

    def fallbacks(self, current: str) -> List[str]:
        """The passwords to try, in order, when a node refuses `current`."""
        return list(dict.fromkeys(p for p in (self.previous, self.starting) if p and p != current))


NO_FALLBACK = NodeAuth()  # the stack's password only


def secret_options(opts: Optional[Any], timeout_seconds: float) -> Any:
    """The options of a resource that logs into the nodes: both passwords secret in its outputs too, and
    create and update bounded by `timeout_seconds`."""
    import pulumi

    timeout = f"{timeout_seconds:.0f}s"
    return pulumi.ResourceOptions.merge(
        opts,
        pulumi.ResourceOptions(
            additional_secret_outputs=["password", STARTING_PASSWORD],
            custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
        ),
    )


def login(spec: FormationSpec, name: str, auth: NodeAuth = NO_FALLBACK, timeout: float = PROBE_TIMEOUT_SECONDS) -> Any:
    """A client of node `name` that has answered PING, logged in with the stack's password or, when the node
    refuses that (redis.AuthenticationError: WRONGPASS, NOAUTH), with the next of `auth.fallbacks`. It stays
    logged in when the node's password then changes. Raises redis.RedisError if the node does not answer or
    refuses them all."""
    return logged_in(spec, name, auth, timeout)[0]


def logged_in(
    spec: FormationSpec, name: str, auth: NodeAuth = NO_FALLBACK, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Tuple[Any, str]:
    """login's client, and the password the node took."""
    import redis

    *first, last = [spec.password, *auth.fallbacks(spec.password)]
    for password in first:
        try:
            return _pinged(client(dataclasses.replace(spec, password=password), name, timeout)), password
        except redis.AuthenticationError:
            pass  # the next one
    return _pinged(client(dataclasses.replace(spec, password=last), name, timeout)), last


def _pinged(connection: Any) -> Any:
    """The client once its node answered PING; closed if it did not."""
    try:
        connection.ping()
        return connection
    except BaseException:
        connection.close()
        raise


def login_problems(spec: FormationSpec, auth: NodeAuth = NO_FALLBACK) -> List[str]:
    """The planned nodes that do not answer yet. Raises at once for one that refuses every password (no wait
    changes that) or whose container was removed by hand."""
    import redis

    unreachable: Dict[str, str] = {}
    for node in spec.plan.nodes:
        try:
            login(spec, node.name, auth).close()
        except redis.AuthenticationError as error:
            raise refused(spec, node.name, error) from error
        except redis.RedisError as error:
            endpoint = spec.endpoints[node.name]
            unreachable[node.name] = f"{endpoint['host']}:{int(endpoint['port'])}: {error}"
    return unreachable_problems(spec, unreachable)


def refused(spec: FormationSpec, name: str, error: Exception) -> FormationError:
    """The error for a node that refuses every password it may run with: no wait changes that."""
    return FormationError(
        f"Redis Cluster '{spec.cluster_name}': {name} refuses the stack's password, the one before this update "
        f"and the first one ({error}): it runs with another one, for instance after an update that stopped "
        "half-way and a second change. Fix: set redisPassword to the one it runs with, or give it the stack's "
        "with `CONFIG SET requirepass` and `CONFIG SET masterauth`, then `pulumi up`"
    )
