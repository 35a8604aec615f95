"""RedisFormation: a dynamic provider that turns running Redis nodes into one Redis Cluster, and keeps it so.

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
- a change of size (masters, replicasPerMaster) is an update that reshards the live cluster (see
  reshard.py): new nodes join, slots move evenly without losing a key, leaving nodes hand over
  their slots and are forgotten before Pulumi deletes their containers.
- diff: a new cluster name, or a kept node at a new address, replaces the formation, deleting first:
  the cluster is reset and formed anew, empty. Anything else that changed updates it. With no input
  change, diff asks the live cluster, so `pulumi up` repairs drift that `pulumi refresh` would show.
- read (`pulumi refresh`): reports each node's live role, master and slots, and the problems found.
- delete: CLUSTER RESET HARD on every node still reachable (after FLUSHALL on masters, which Redis
  requires), so no node is left in a half-formed cluster.
"""

import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.redis.model.cluster_state import (
    NodeObservation,
    coverage_problems,
    health_problems,
    live_roles,
    slot_map,
)
from components.redis.model.plan import ClusterPlan, NodePlan
from components.redis.resources.node_session import (
    PROBE_TIMEOUT_SECONDS,
    Clients,
    FormationError,
    FormationSpec,
    command,
    observe,
    observe_node,
    observe_until,
    own_ids,
    reachability_problems,
    retry,
    wait_for,
)
from components.redis.resources.resharding import (
    balance_replicas,
    finish_open_slots,
    hand_over_leaving_masters,
    rebalance_slots,
    reset_node,
    retire_leaving,
)
from components.redis.resources.seeding import seed_planned_slots
from components.unknowns import is_unknown

__all__ = [
    "FormationError",
    "FormationSpec",
    "RedisFormation",
    "RedisFormationArgs",
    "RedisFormationProvider",
    "converge",
    "formation_inputs",
    "observe",
    "reset_nodes",
]

UPDATE_KEYS = ("topology", "endpoints", "password", "containers", "timeoutSeconds")
OUTPUT_KEYS = ("nodeIds", "live", "healthy", "problems")


def _all_meet(spec: FormationSpec) -> List[str]:
    observations = observe(spec)
    ids = set(own_ids(observations).values())
    problems = []
    for obs in observations:
        known = {e.node_id for e in obs.entries if not e.failing}
        if not obs.reachable or not ids <= known:
            problems.append(f"{obs.name} knows {len(known & ids)} of {len(spec.plan.nodes)} nodes")
    return problems


def _slot_map_gaps(spec: FormationSpec) -> List[str]:
    return [
        f"{obs.name}: {problem}" for obs in observe(spec) for problem in coverage_problems(slot_map(obs.entries))[:1]
    ]


def _stale_ids(spec: FormationSpec, observations: Sequence[NodeObservation]) -> List[str]:
    """Ids the cluster still remembers for planned addresses whose node was recreated (a new id now).

    Raises if the cluster holds a node at an address that is not in the plan: that is someone else's.
    """
    own = set(own_ids(observations).values())
    planned = {f"{node.ip}:{node.port}" for node in spec.plan.nodes}
    leaving = {f"{node.ip}:{node.port}" for node in spec.leaving}  # members until reshard.py retires them
    stale = set()
    for obs in observations:
        for entry in obs.entries:
            # A handshake entry is a meeting in progress (or an announcement), not a member yet.
            if entry.node_id in own or entry.address in leaving or "handshake" in entry.flags:
                continue
            if entry.address not in planned and not entry.failing:
                raise FormationError(
                    f"Redis Cluster '{spec.cluster_name}': {obs.name} is in a cluster with a node that is "
                    f"not part of this stack ({entry.address}, id {entry.node_id[:12]}). Fix: remove that "
                    "node from the cluster, or `pulumi destroy` and `pulumi up` to start empty"
                )
            stale.add(entry.node_id)
    return sorted(stale)


def _promote_successors(spec: FormationSpec, observations: Sequence[NodeObservation], stale: Sequence[str]) -> None:
    """A master recreated at the same address is never marked failed by its peers (they see a new id
    there and only flag the old one `noaddr`), so no replica takes over by itself: make one take over."""
    own = own_ids(observations)
    name_of = {node_id: name for name, node_id in own.items()}
    entries = [e for o in observations for e in o.entries]
    for lost in sorted({e.node_id for e in entries if e.node_id in stale and e.is_master and e.slots}):
        successors = sorted(
            {name_of[e.node_id] for e in entries if e.master_id == lost and e.node_id in name_of and not e.failing}
        )
        if successors:
            retry(
                f"{successors[0]} to take over from a lost master",
                partial(command, spec, successors[0], "CLUSTER", "FAILOVER", "TAKEOVER"),
                time.monotonic() + PROBE_TIMEOUT_SECONDS * 5,
                spec,
            )


def _uncovered(spec: FormationSpec) -> List[str]:
    """Slots no live node of this stack serves (their master is gone and no replica took over yet)."""
    observations = observe(spec) + [observe_node(spec, node.name) for node in spec.leaving]
    own = set(own_ids(observations).values())
    owned: Dict[str, Any] = {}
    for obs in observations:
        owned.update({node_id: ranges for node_id, ranges in slot_map(obs.entries).items() if node_id in own})
    return coverage_problems(owned)


def _send_meets(clients: Clients, sender: str, targets: Sequence[NodePlan]) -> None:
    pipe = clients[sender].pipeline(transaction=False)
    for node in targets:
        pipe.execute_command("CLUSTER", "MEET", node.ip, node.port, node.bus_port)
    pipe.execute()


def _meet_everyone(spec: FormationSpec, observations: Sequence[NodeObservation]) -> bool:
    """Every node meets, directly, every planned node it does not know yet; True if any meeting was asked.

    Measured: a direct handshake takes one cluster tick (~0.1 s); introductions by gossip take seconds,
    since each node pings only one peer a second."""
    ids = own_ids(observations)
    met = False
    with Clients(spec) as clients:
        for obs in observations:
            known = {e.node_id for e in obs.entries if not e.failing}
            strangers = [n for n in spec.plan.nodes if n.name != obs.name and ids.get(n.name) not in known]
            if strangers:
                _send_meets(clients, obs.name, strangers)
                met = True
    return met


def _announce(spec: FormationSpec, names: Sequence[str]) -> None:
    """Each named node sends its slots and role to every other node now, instead of with its next ping.

    A MEET to a node that already knows the sender is handled like a PING: the packet's header (slots,
    master) updates the receiver at once. The sender's extra handshake entry goes when the PONG comes."""
    with Clients(spec) as clients:
        for name in names:
            _send_meets(clients, name, [node for node in spec.plan.nodes if node.name != name])


def _forget(spec: FormationSpec, stale: Sequence[str]) -> None:
    import redis

    for node in spec.plan.nodes:
        for node_id in stale:
            try:
                command(spec, node.name, "CLUSTER", "FORGET", node_id)
            except redis.ResponseError:
                pass  # this node had already forgotten it, or never knew it


def _repair(spec: FormationSpec, observations: Sequence[NodeObservation], deadline: float) -> None:
    """Nodes that lost their data (recreated containers or volumes) give way to their replicas."""
    stale = _stale_ids(spec, observations)
    _promote_successors(spec, observations, stale)
    # A lost master's slots come back when its replica is promoted (after cluster-node-timeout);
    # if a master and all its replicas lost their data, they never do, and the timeout says so.
    wait_for(
        "the live nodes to serve every slot (if a master and all its replicas lost their data, "
        "`pulumi destroy` and `pulumi up` form the cluster anew)",
        lambda: _uncovered(spec),
        deadline,
        spec,
    )
    _forget(spec, stale)


def converge(spec: FormationSpec) -> Dict[str, Any]:
    """Form, adopt, repair or reshard the cluster; return the live outputs once it is healthy as planned."""
    deadline = time.monotonic() + spec.timeout_seconds
    wait_for("every node to answer", lambda: reachability_problems(spec), deadline, spec)
    observations = observe(spec)
    fresh = all(o.is_blank or len(o.entries) == 1 for o in observations)
    if fresh:
        seed_planned_slots(spec, spec.plan.nodes, observations)
    else:
        _repair(spec, observations, deadline)
    met = _meet_everyone(spec, observe(spec))
    wait_for("the nodes to meet", lambda: _all_meet(spec), deadline, spec)
    if met or fresh:
        # Met is not yet informed: a handshake carries no slots, so the new acquaintances announce theirs.
        _announce(spec, [node.name for node in spec.plan.nodes])
    # Every later step reads the cluster from one node's view: each one must hold the whole slot map.
    wait_for("every node to learn every master's slots", lambda: _slot_map_gaps(spec), deadline, spec)
    finish_open_slots(spec, deadline)
    hand_over_leaving_masters(spec, deadline)
    rebalance_slots(spec, deadline)
    retire_leaving(spec)
    _announce(spec, balance_replicas(spec, deadline))  # the others learn each new replica's master now
    masters, replicas = len(spec.plan.masters), spec.plan.replicas_per_master
    healthy = observe_until(
        "cluster_state:ok, one slot map on every node and every replica in sync",
        lambda: observe(spec),
        lambda look: health_problems(look, masters, replicas, require_synced=True),
        deadline,
        spec,
    )
    return live_outputs(spec, healthy)


def live_outputs(spec: FormationSpec, observations: Sequence[NodeObservation]) -> Dict[str, Any]:
    problems = health_problems(observations, len(spec.plan.masters), spec.plan.replicas_per_master)
    return {
        "nodeIds": own_ids(observations),
        "live": live_roles(observations),
        "healthy": not problems,
        "problems": problems,
    }


def reset_nodes(spec: FormationSpec) -> None:
    """CLUSTER RESET HARD on every node that answers; replicas first, masters after emptying them."""
    observations = [o for o in observe(spec) if o.reachable and o.myself]
    for obs in sorted(observations, key=lambda o: o.myself.is_master):  # type: ignore[union-attr]
        reset_node(spec, obs.name, obs.myself.is_master)  # type: ignore[union-attr]


def _live_problems(props: Mapping[str, Any]) -> List[str]:
    """One quick look at the live cluster: what keeps it from being healthy as planned."""
    spec = FormationSpec.from_props(props)
    return health_problems(observe(spec), len(spec.plan.masters), spec.plan.replicas_per_master)


def _replacing_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> List[str]:
    """Changes that mean another cluster: a new name, or a node that stays but moves to a new address
    (Redis Cluster knows its members by address). Added or removed nodes and new roles are resharding."""
    if is_unknown(news.get("clusterName")) or olds.get("clusterName") != news.get("clusterName"):
        return ["clusterName"]
    if is_unknown(news.get("topology")):
        return ["topology"]
    old_ips = {node["name"]: node["ip"] for node in olds.get("topology") or ()}
    moved = [
        node["name"]
        for node in news.get("topology") or ()
        if node["name"] in old_ips and old_ips[node["name"]] != node["ip"]
    ]
    return ["topology"] if moved else []


class RedisFormationProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties on every call."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        spec = FormationSpec.from_props(props)
        outputs = converge(spec)
        return CreateResult(
            id_=f"{spec.cluster_name}-{outputs['nodeIds'][spec.plan.nodes[0].name][:12]}", outs={**props, **outputs}
        )

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, **converge(FormationSpec.for_update(olds, news))})

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        spec = FormationSpec.from_props(props)
        return ReadResult(id_=id_, outs={**props, **live_outputs(spec, observe(spec))})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        replaces = _replacing_keys(olds, news)
        if replaces:
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        changed = [k for k in UPDATE_KEYS if is_unknown(news.get(k)) or olds.get(k) != news.get(k)]
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
    # Per node where this machine reaches it ({"host", "port"}); None: connect_host and the published port.
    endpoints: Optional[Mapping[str, Mapping[str, Any]]] = None


def formation_inputs(args: RedisFormationArgs) -> Dict[str, Any]:
    """The inputs FormationSpec.from_props reads, for the formation and for the slot seed."""
    return {
        "clusterName": args.cluster_name,
        "topology": args.plan.topology(),
        "endpoints": dict(args.endpoints) if args.endpoints is not None else args.plan.endpoints(args.connect_host),
        "password": pulumi.Output.secret(args.password),
        "containers": dict(args.container_ids),
        "timeoutSeconds": args.timeout_seconds,
    }


class RedisFormation(Resource, module="redis", name="Formation"):
    """The formed cluster. Outputs: nodeIds, live (role/master/slots per node), healthy, problems."""

    node_ids: pulumi.Output[Dict[str, str]]
    live: pulumi.Output[Dict[str, Any]]
    healthy: pulumi.Output[bool]
    problems: pulumi.Output[List[str]]

    def __init__(self, name: str, args: RedisFormationArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props: Dict[str, Any] = {**formation_inputs(args), **{key: None for key in OUTPUT_KEYS}}
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=["password"],
                # A new formation must never be created while the old one still owns the nodes.
                delete_before_replace=True,
                custom_timeouts=pulumi.CustomTimeouts(
                    create=f"{args.timeout_seconds + 60}s", update=f"{args.timeout_seconds + 60}s"
                ),
            ),
        )
        super().__init__(RedisFormationProvider(), name, props, opts)
        self.node_ids = self.nodeIds  # type: ignore[attr-defined]
