"""RedisFormation: a dynamic provider that turns running Redis nodes into one Redis Cluster.

What `redis-cli --cluster create ... --cluster-replicas 1` does in the tutorial, on redis-py:
distinct config epochs, the planned slot ranges on the masters, CLUSTER MEET, CLUSTER REPLICATE, then
polling (bounded) until every node says `cluster_state:ok` and all agree on the slot map.

The provider reaches each node through its published port on this machine (127.0.0.1:637N), so it works
where container IPs are not routable from the host; the nodes meet each other on their container IPs.
It is pickled into the state: it holds no client or socket; every call opens and closes its own.

Lifecycle, honestly:
- create and update converge: a blank set of nodes is formed as planned, an already formed healthy
  cluster is adopted as it is, nodes that lost their data (a recreated volume) rejoin as replicas
  (a master that came back empty at its old address is replaced by its replica first: Redis never
  marks it failed by itself, since a node answers there).
- diff: a changed topology (node names, addresses, roles, slot plan) replaces the formation, deleting
  first: the cluster is reset and formed anew, empty. Resharding a live cluster is not automated.
  Changed host ports, password or recreated containers update (re-verify) it. With no input change,
  diff asks the live cluster, so `pulumi up` repairs drift that `pulumi refresh` would show.
- read (`pulumi refresh`): reports each node's live role, master and slots, and the problems found.
- delete: CLUSTER RESET HARD on every node still reachable (after FLUSHALL on masters, which Redis
  requires), so no node is left in a half-formed cluster.
"""
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from ..redis_cluster_state import (NodeObservation, coverage_problems, health_problems, live_roles,
                                   parse_cluster_nodes, parse_info, slot_map)
from ..redis_plan import ClusterPlan, slots_of, topology_from_props

# Inputs whose change means a different cluster (formed anew) vs. the same cluster reached differently.
REPLACE_KEYS = ("clusterName", "topology")
UPDATE_KEYS = ("endpoints", "password", "containers", "timeoutSeconds")
OUTPUT_KEYS = ("nodeIds", "live", "healthy", "problems")
POLL_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 2.0

T = TypeVar("T")


class FormationError(Exception):
    """The cluster could not be formed or verified; the message says what the nodes reported."""


@dataclass(frozen=True)
class FormationSpec:
    """The provider's inputs as typed values."""
    cluster_name: str
    plan: ClusterPlan
    endpoints: Mapping[str, Mapping[str, Any]]
    password: str = field(repr=False)
    timeout_seconds: float

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "FormationSpec":
        return cls(cluster_name=props["clusterName"], plan=topology_from_props(props["topology"]),
                   endpoints=props["endpoints"], password=props.get("password") or "",
                   timeout_seconds=float(props.get("timeoutSeconds") or 120))


def _client(spec: FormationSpec, name: str, timeout: float):
    import redis  # here, not at module level: nothing client-like is pickled with the provider
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    endpoint = spec.endpoints[name]
    # No retries inside redis-py: the callers poll with their own deadline.
    return redis.Redis(host=endpoint["host"], port=int(endpoint["port"]), password=spec.password or None,
                       socket_connect_timeout=timeout, socket_timeout=max(timeout, 5.0),
                       retry=Retry(NoBackoff(), 0), decode_responses=True)


def _observe_node(spec: FormationSpec, name: str, timeout: float) -> NodeObservation:
    import redis

    client = _client(spec, name, timeout)
    try:
        info = parse_info(client.execute_command("CLUSTER", "INFO"))
        entries = tuple(parse_cluster_nodes(client.execute_command("CLUSTER", "NODES")))
        return NodeObservation(name=name, info=info, entries=entries)
    except redis.RedisError as error:
        endpoint = spec.endpoints[name]
        return NodeObservation(name=name, error=f"{endpoint['host']}:{endpoint['port']}: {error}")
    finally:
        client.close()


def observe(spec: FormationSpec, timeout: float = PROBE_TIMEOUT_SECONDS) -> List[NodeObservation]:
    return [_observe_node(spec, node.name, timeout) for node in spec.plan.nodes]


def _command(spec: FormationSpec, name: str, *args: Any) -> Any:
    client = _client(spec, name, PROBE_TIMEOUT_SECONDS)
    try:
        return client.execute_command(*args)
    finally:
        client.close()


def _wait_for(what: str, check: Callable[[], Optional[List[str]]], deadline: float,
              spec: FormationSpec) -> None:
    """Poll `check` (problems, or None/[] when done) until it passes or the deadline is hit."""
    problems: Optional[List[str]] = None
    while True:
        problems = check()
        if not problems:
            return
        if time.monotonic() >= deadline:
            raise FormationError(
                f"Redis Cluster '{spec.cluster_name}': timed out after {spec.timeout_seconds:.0f}s waiting "
                f"for {what}: {'; '.join(problems)}. Check the nodes with `docker logs <node>`; a slow "
                "machine may need a larger redis.formationTimeoutSeconds")
        time.sleep(POLL_SECONDS)


def _retry(what: str, action: Callable[[], T], deadline: float, spec: FormationSpec) -> T:
    """Run `action` until Redis accepts it (e.g. a node not yet known by gossip) or the deadline."""
    import redis

    results: List[T] = []

    def attempt() -> Optional[List[str]]:
        try:
            results.append(action())
            return None
        except redis.RedisError as error:
            return [f"{what}: {error}"]

    _wait_for(what, attempt, deadline, spec)
    return results[-1]


def _reachability(spec: FormationSpec) -> List[str]:
    return [f"{o.name}: {o.error}" for o in observe(spec) if not o.reachable]


def _own_ids(observations: Sequence[NodeObservation]) -> Dict[str, str]:
    return {o.name: o.myself.node_id for o in observations if o.myself}


def _all_meet(spec: FormationSpec) -> List[str]:
    observations = observe(spec)
    ids = set(_own_ids(observations).values())
    problems = []
    for obs in observations:
        known = {e.node_id for e in obs.entries if not e.failing}
        if not obs.reachable or not ids <= known:
            problems.append(f"{obs.name} knows {len(known & ids)} of {len(spec.plan.nodes)} nodes")
    return problems


def _seed_fresh(spec: FormationSpec, observations: Sequence[NodeObservation]) -> None:
    """Nodes that know nobody yet: distinct epochs, then each master's planned slots."""
    import redis

    for epoch, node in enumerate(spec.plan.nodes, start=1):
        if observations[epoch - 1].info.get("cluster_my_epoch", "0") == "0":
            try:
                _command(spec, node.name, "CLUSTER", "SET-CONFIG-EPOCH", epoch)
            except redis.ResponseError:
                pass  # epoch already set by an earlier, interrupted attempt: any distinct value will do
    by_name = {o.name: o for o in observations}
    for master in spec.plan.masters:
        me = by_name[master.name].myself
        owned = set(slots_of(me.slots)) if me else set()
        missing = [s for s in slots_of(master.slots) if s not in owned]
        if missing:
            _command(spec, master.name, "CLUSTER", "ADDSLOTS", *missing)


def _stale_ids(spec: FormationSpec, observations: Sequence[NodeObservation]) -> List[str]:
    """Ids the cluster still remembers for planned addresses whose node was recreated (a new id now).

    Raises if the cluster holds a node at an address that is not in the plan: that is someone else's.
    """
    own = set(_own_ids(observations).values())
    planned = {f"{node.ip}:6379" for node in spec.plan.nodes}
    stale = set()
    for obs in observations:
        for entry in obs.entries:
            if entry.node_id in own:
                continue
            if entry.address not in planned and not entry.failing:
                raise FormationError(
                    f"Redis Cluster '{spec.cluster_name}': {obs.name} is in a cluster with a node that is "
                    f"not part of this stack ({entry.address}, id {entry.node_id[:12]}). Fix: remove that "
                    "node from the cluster, or `pulumi destroy` and `pulumi up` to start empty")
            stale.add(entry.node_id)
    return sorted(stale)


def _promote_successors(spec: FormationSpec, observations: Sequence[NodeObservation],
                        stale: Sequence[str]) -> None:
    """A master recreated at the same address is never marked failed by its peers (they see a new id
    there and only flag the old one `noaddr`), so no replica takes over by itself: make one take over."""
    own = _own_ids(observations)
    name_of = {node_id: name for name, node_id in own.items()}
    entries = [e for o in observations for e in o.entries]
    for lost in sorted({e.node_id for e in entries if e.node_id in stale and e.is_master and e.slots}):
        successors = sorted({name_of[e.node_id] for e in entries
                             if e.master_id == lost and e.node_id in name_of and not e.failing})
        if successors:
            _retry(f"{successors[0]} to take over from a lost master",
                   lambda name=successors[0]: _command(spec, name, "CLUSTER", "FAILOVER", "TAKEOVER"),
                   time.monotonic() + PROBE_TIMEOUT_SECONDS * 5, spec)


def _uncovered(spec: FormationSpec) -> List[str]:
    """Slots no live node of this stack serves (their master is gone and no replica took over yet)."""
    observations = observe(spec)
    own = set(_own_ids(observations).values())
    owned: Dict[str, Any] = {}
    for obs in observations:
        owned.update({node_id: ranges for node_id, ranges in slot_map(obs.entries).items() if node_id in own})
    return coverage_problems(owned)


def _meet_everyone(spec: FormationSpec, observations: Sequence[NodeObservation]) -> None:
    anchor = next((o for o in observations if not o.is_blank), observations[0])
    known = {e.node_id for e in anchor.entries if not e.failing}
    for obs in observations:
        if obs.myself and obs.myself.node_id not in known:
            node = spec.plan.node(obs.name)
            _command(spec, anchor.name, "CLUSTER", "MEET", node.ip, 6379)


def _attach_replicas(spec: FormationSpec, deadline: float) -> None:
    """Every master that serves no slots becomes a replica of a master short of replicas,
    its planned master if that one still needs it."""
    observations = observe(spec)
    ids = _own_ids(observations)
    view = observations[0].entries
    followers: Dict[str, int] = {node_id: 0 for node_id in slot_map(view)}
    for entry in view:
        if entry.master_id in followers and not entry.failing:
            followers[entry.master_id] += 1
    wanted = spec.plan.replicas_per_master
    for obs in observations:
        me = obs.myself
        if me is None or not me.is_master or me.slots:
            continue
        planned = spec.plan.node(obs.name).master
        planned_id = ids.get(planned) if planned else None
        if planned_id in followers and followers[planned_id] < wanted:
            target = planned_id
        else:
            short = [node_id for node_id, count in followers.items() if count < wanted]
            if not short:
                raise FormationError(f"Redis Cluster '{spec.cluster_name}': {obs.name} has no master to "
                                     "follow; every master already has its replicas")
            target = min(short, key=lambda node_id: followers[node_id])
        _retry(f"{obs.name} to follow its master",
               lambda name=obs.name, target=target: _command(spec, name, "CLUSTER", "REPLICATE", target),
               deadline, spec)
        followers[target] += 1


def _forget(spec: FormationSpec, stale: Sequence[str]) -> None:
    import redis

    for node in spec.plan.nodes:
        for node_id in stale:
            try:
                _command(spec, node.name, "CLUSTER", "FORGET", node_id)
            except redis.ResponseError:
                pass  # this node had already forgotten it, or never knew it


def converge(spec: FormationSpec) -> Dict[str, Any]:
    """Form, adopt or repair the cluster; return the live outputs once it is healthy."""
    deadline = time.monotonic() + spec.timeout_seconds
    _wait_for("every node to answer", lambda: _reachability(spec), deadline, spec)
    observations = observe(spec)
    if all(o.is_blank or len(o.entries) == 1 for o in observations):
        _seed_fresh(spec, observations)
    else:
        stale = _stale_ids(spec, observations)
        _promote_successors(spec, observations, stale)
        # A lost master's slots come back when its replica is promoted (after cluster-node-timeout);
        # if a master and all its replicas lost their data, they never do, and the timeout says so.
        _wait_for("the live nodes to serve every slot (if a master and all its replicas lost their data, "
                  "`pulumi destroy` and `pulumi up` form the cluster anew)", lambda: _uncovered(spec),
                  deadline, spec)
        _forget(spec, stale)
    _meet_everyone(spec, observe(spec))
    _wait_for("the nodes to meet", lambda: _all_meet(spec), deadline, spec)
    _attach_replicas(spec, deadline)
    masters, replicas = len(spec.plan.masters), spec.plan.replicas_per_master
    _wait_for("cluster_state:ok and one slot map on every node",
              lambda: health_problems(observe(spec), masters, replicas), deadline, spec)
    return live_outputs(spec, observe(spec))


def live_outputs(spec: FormationSpec, observations: Sequence[NodeObservation]) -> Dict[str, Any]:
    problems = health_problems(observations, len(spec.plan.masters), spec.plan.replicas_per_master)
    return {"nodeIds": _own_ids(observations), "live": live_roles(observations),
            "healthy": not problems, "problems": problems}


def reset_nodes(spec: FormationSpec) -> None:
    """CLUSTER RESET HARD on every node that answers; replicas first, masters after emptying them."""
    import redis

    observations = [o for o in observe(spec) if o.reachable and o.myself]
    for obs in sorted(observations, key=lambda o: o.myself.is_master):  # type: ignore[union-attr]
        try:
            if obs.myself.is_master:  # type: ignore[union-attr]
                _command(spec, obs.name, "FLUSHALL")  # Redis refuses to reset a master holding keys
            _command(spec, obs.name, "CLUSTER", "RESET", "HARD")
        except redis.RedisError:
            pass  # a node going away as we speak leaves nothing to reset


def _live_problems(props: Mapping[str, Any]) -> List[str]:
    """One quick look at the live cluster: what keeps it from being healthy as planned."""
    spec = FormationSpec.from_props(props)
    return health_problems(observe(spec), len(spec.plan.masters), spec.plan.replicas_per_master)


def _is_unknown(value: Any) -> bool:
    from pulumi.runtime import rpc

    return value == rpc.UNKNOWN


class RedisFormationProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties on every call."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        spec = FormationSpec.from_props(props)
        outputs = converge(spec)
        return CreateResult(id_=f"{spec.cluster_name}-{outputs['nodeIds'][spec.plan.nodes[0].name][:12]}",
                            outs={**props, **outputs})

    def update(self, _id: str, _olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, **converge(FormationSpec.from_props(news))})

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        spec = FormationSpec.from_props(props)
        return ReadResult(id_=id_, outs={**props, **live_outputs(spec, observe(spec))})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        replaces = [k for k in REPLACE_KEYS if _is_unknown(news.get(k)) or olds.get(k) != news.get(k)]
        if replaces:
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        changed = [k for k in UPDATE_KEYS if _is_unknown(news.get(k)) or olds.get(k) != news.get(k)]
        drifted = not changed and (olds.get("healthy") is False or bool(_live_problems(olds)))
        return DiffResult(changes=bool(changed) or drifted, replaces=[], delete_before_replace=True)

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        reset_nodes(FormationSpec.from_props(props))


@dataclass(frozen=True)
class RedisFormationArgs:
    cluster_name: str
    plan: ClusterPlan
    connect_host: str  # where this machine reaches the published ports
    password: pulumi.Input[str]  # a secret; "" when authentication is off
    container_ids: Mapping[str, pulumi.Input[str]]
    timeout_seconds: int = 120


class RedisFormation(Resource, module="redis", name="Formation"):
    """The formed cluster. Outputs: nodeIds, live (role/master/slots per node), healthy, problems."""

    node_ids: pulumi.Output[Dict[str, str]]
    live: pulumi.Output[Dict[str, Any]]
    healthy: pulumi.Output[bool]
    problems: pulumi.Output[List[str]]

    def __init__(self, name: str, args: RedisFormationArgs,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props: Dict[str, Any] = {
            "clusterName": args.cluster_name,
            "topology": args.plan.topology(),
            "endpoints": args.plan.endpoints(args.connect_host),
            "password": pulumi.Output.secret(args.password),
            "containers": dict(args.container_ids),
            "timeoutSeconds": args.timeout_seconds,
            **{key: None for key in OUTPUT_KEYS},
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            additional_secret_outputs=["password"],
            # A new formation must never be created while the old one still owns the nodes.
            delete_before_replace=True,
            custom_timeouts=pulumi.CustomTimeouts(create=f"{args.timeout_seconds + 60}s",
                                                  update=f"{args.timeout_seconds + 60}s")))
        super().__init__(RedisFormationProvider(), name, props, opts)
        self.node_ids = self.nodeIds  # type: ignore[attr-defined]
