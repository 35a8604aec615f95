"""RedisRollStep: one node of a formed cluster back in it, in its planned role, before the next node rolls.

On a cluster that exists, each node's container depends on the previous node's step (cluster.py), so
Pulumi replaces the containers one at a time. A step's inputs include its node's container id: a new
container is an update, which
- gives the node the stack's live settings (it starts from the uploaded file's starting values),
- waits until the cluster is whole again (every node answers, cluster_state:ok everywhere, one slot map,
  every replica in sync): the formation's own convergence, which also rejoins a node that lost its data,
- and gives a planned master its role back: it came back as the replica of the node it handed over to on
  `docker stop` (handover.py), and a coordinated CLUSTER FAILOVER makes it master again, without a write lost
  (asked again each time Redis gives one up; still a replica at the timeout, in a whole cluster, it is left
  so with a warning, and the next `up` tries again).

Creating a step does nothing for a new node (the formation forms a new cluster and reshards a grown one);
on a cluster that exists, a step created for a node that already knows others (a container replaced by
the first `up` of a stack made before roll steps existed) rejoins it as an update does. Any other input
change is the formation's or the live settings' to handle, so it is no update here. A node rejoins with
the password its peers run: one changed in the same `up` reaches every node after the last step.

While the published ports roll, nodes not yet replaced answer on the old ports: every call first asks the
engine where each node's client port is published now.
"""

import dataclasses
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.engine.client import EngineClient, EngineError, EngineUnreachable, NotFound
from components.errors import ConfigError
from components.redis.model.cluster_args import CLIENT_PORT
from components.redis.model.cluster_state import NodeObservation, health_problems, parse_cluster_nodes
from components.redis.model.live import LiveSettings
from components.redis.model.plan import MASTER, NodePlan
from components.redis.resources.formation import RedisFormationArgs, converge, formation_inputs
from components.redis.resources.live_settings import apply_to_node
from components.redis.resources.node_session import (
    STARTING_PASSWORD,
    FormationError,
    FormationSpec,
    NodeAuth,
    command,
    logged_in,
    login,
    observe,
    retry,
    secret_options,
    wait_for,
)
from components.unknowns import is_unknown


def published_port(attrs: Mapping[str, Any], internal: int = CLIENT_PORT) -> Optional[int]:
    """The host port a container publishes `internal` on, as `docker inspect` reports it."""
    bindings = ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{internal}/tcp") or []
    return int(bindings[0]["HostPort"]) if bindings else None


def live_endpoints(spec: FormationSpec) -> Dict[str, Dict[str, Any]]:
    """The spec's endpoints, with each existing node's port as published now (the plan's otherwise)."""
    endpoints = {name: dict(endpoint) for name, endpoint in spec.endpoints.items()}
    try:
        client = EngineClient()
    except ConfigError:
        return endpoints
    with client:
        for name in endpoints:
            try:
                port = published_port(client.container(name))
            except (NotFound, EngineUnreachable, EngineError):
                continue  # not there (yet): the wait for every node names it
            if port is not None:
                endpoints[name]["port"] = port
    return endpoints


# What take_back did, in the step's outputs.
NOT_NEEDED, TAKEN_BACK, PENDING = "not needed", "taken back", "pending"
# Redis abandons a coordinated failover it could not finish within this long (CLUSTER_MF_TIMEOUT), and
# says so only in its log: the node stays a replica until it is asked again.
MANUAL_FAILOVER_SECONDS = 5.0


def _role_problems(spec: FormationSpec, node: NodePlan) -> List[str]:
    observations = observe(spec)
    problems = health_problems(observations, len(spec.plan.masters), spec.plan.replicas_per_master, True)
    me = next((o.myself for o in observations if o.name == node.name and o.myself), None)
    if me is None or not me.is_master:
        problems.append(f"{node.name} is not a master yet")
    return problems


def bus_problems(observations: Sequence[NodeObservation], name: str) -> List[str]:
    """Peers whose cluster-bus link to `name` is down or has a ping unanswered.

    A coordinated failover needs them: the node's master sends it its replication offset, the other masters
    send it their votes, each over its own link to the node. A container recreated at the same IP can be out
    of their reach for a while: since Docker 28 it has a new MAC address, and until a peer's ARP entry for
    that IP expires (up to about a minute) its packets go to the old one, while the node's own links work."""
    me = next((o.myself for o in observations if o.name == name and o.myself), None)
    if me is None:
        return [f"{name} does not answer"]
    return [
        f"{o.name} cannot reach {name} over the cluster bus yet"
        for o in observations
        if o.reachable and o.name != name
        for entry in o.entries
        if entry.node_id == me.node_id and (entry.link_state != "connected" or entry.ping_sent)
    ]


def take_back(spec: FormationSpec, node: NodePlan, deadline: float) -> str:
    """A planned master that came back as a replica becomes master again: TAKEN_BACK, or NOT_NEEDED.

    PENDING when it is still a replica at the deadline in an otherwise whole cluster: nothing is lost and
    the cluster serves with the two roles swapped, so the update goes on (the next nodes may roll) and the
    step asks to be updated again by the next `up` (diff). Raises if the cluster is not whole."""
    me = next((o.myself for o in observe(spec) if o.name == node.name and o.myself), None)
    if node.role != MASTER or me is None or me.is_master:
        return NOT_NEEDED
    try:
        while True:
            wait_for(f"every peer to reach {node.name}", lambda: bus_problems(observe(spec), node.name), deadline, spec)
            # Coordinated: its master stops accepting writes until this node has them all, then they swap.
            retry(
                f"{node.name} to take its role back",
                lambda: command(spec, node.name, "CLUSTER", "FAILOVER"),
                deadline,
                spec,
            )
            attempt = min(deadline, time.monotonic() + MANUAL_FAILOVER_SECONDS + 1)
            try:
                wait_for(f"{node.name} to be master again", lambda: _role_problems(spec, node), attempt, spec)
                return TAKEN_BACK
            except FormationError:
                if attempt >= deadline:
                    raise
                # Redis gave this failover up (a link dropped, a vote came late): the next one starts afresh.
    except FormationError as error:
        observations = observe(spec)
        if health_problems(observations, len(spec.plan.masters), spec.plan.replicas_per_master, True):
            raise
        print(
            f"warning: {node.name} is back in a whole cluster, but still a replica: {error}. Nothing is lost and "
            "the cluster serves with two roles swapped; the next `pulumi up` tries to give it its role back.",
            file=sys.stderr,
        )
        return PENDING


def running_password(spec: FormationSpec, node: str, auth: NodeAuth, deadline: float) -> str:
    """The password the rest of the cluster runs now: the stack's, unless this update changed it (the live
    settings reach every node only after the last step), then the one before, or the first. Asked of a peer
    of `node`, since `node` itself starts with the first one (its uploaded auth.conf)."""
    import redis

    peers = [other.name for other in spec.plan.nodes if other.name != node]

    def accepted() -> str:
        for peer in peers:
            try:
                connection, password = logged_in(spec, peer, auth)
            except redis.RedisError:
                continue  # not answering, or refusing every password: another peer
            connection.close()
            return password
        raise redis.ConnectionError("no peer answered with a password of this stack")

    return retry(f"a peer of {node} to answer", accepted, deadline, spec)


def rejoin(news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """The node's new container back in the cluster, as planned; what was done, for the outputs.

    It rejoins with the password the rest of the cluster runs: a password changed in the same update reaches
    every node after the last step (RedisLiveSettings), or the new node's replication would break now."""
    spec = FormationSpec.from_props(news)
    spec = dataclasses.replace(spec, endpoints=live_endpoints(spec))
    node = spec.plan.node(news["node"])
    auth = NodeAuth.from_props(news, olds)
    spec = dataclasses.replace(
        spec, password=running_password(spec, node.name, auth, time.monotonic() + spec.timeout_seconds)
    )
    # apply_to_node waits for the node to answer; the live settings first, so it rejoins with them. It starts
    # with the first password (its uploaded auth.conf): NodeAuth lets it in with that one.
    applied = apply_to_node(spec, node.name, dict(news["settings"]), time.monotonic() + spec.timeout_seconds, auth)
    converge(spec)
    role = take_back(spec, node, time.monotonic() + spec.timeout_seconds)
    return {"settingsApplied": sorted(applied), "tookBack": role == TAKEN_BACK, "takeBackPending": role == PENDING}


def was_a_member(props: Mapping[str, Any]) -> bool:
    """Whether the node, once it answers, knows other nodes: a container replaced on a formed cluster (its
    volume keeps nodes.conf), for instance by the first `up` of a stack made before roll steps existed. A new
    node knows only itself: the formation makes it a member. It may still run the first password."""
    spec = FormationSpec.from_props(props)
    spec = dataclasses.replace(spec, endpoints=live_endpoints(spec))
    name, auth = props["node"], NodeAuth.from_props(props)

    def known_nodes() -> int:
        connection = login(spec, name, auth)
        try:
            return len(parse_cluster_nodes(connection.execute_command("CLUSTER", "NODES")))
        finally:
            connection.close()

    return retry(f"{name} to answer", known_nodes, time.monotonic() + spec.timeout_seconds, spec) > 1


class RedisRollStepProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties on every call."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        done = rejoin(props) if props.get("roll") and was_a_member(props) else _NOTHING_DONE
        return CreateResult(id_=f"{props['clusterName']}-{props['node']}-roll", outs={**props, **done})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        containers, node = news.get("containers"), news.get("node")
        # In preview a container being replaced has no id yet: its map, or its entry, is unknown.
        replaced = (
            is_unknown(containers)
            or not isinstance(containers, dict)
            or is_unknown(containers.get(node))
            or (olds.get("containers") or {}).get(node) != containers.get(node)
        )
        # A planned master left a replica by the last update: this `up` tries again (take_back).
        return DiffResult(
            changes=replaced or bool(olds.get("takeBackPending")), replaces=[], delete_before_replace=False
        )

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, **rejoin(news, olds)})

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        pass  # the node's container goes with it, or another step follows


_NOTHING_DONE: Dict[str, Any] = {"settingsApplied": [], "tookBack": False, "takeBackPending": False}


class RedisRollStep(Resource, module="redis", name="RollStep"):
    """Outputs: settingsApplied (the live settings the new container needed), tookBack (whether a planned
    master took its role back), takeBackPending (it could not in time: the next `up` updates the step again)."""

    def __init__(
        self,
        name: str,
        formation: RedisFormationArgs,
        node: str,
        settings: LiveSettings,
        roll: bool,
        starting_password: pulumi.Input[str],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        """`roll`: the cluster exists (its containers are chained), so a step created now may be of a
        container that replaced a member's: one whose node knows others is rejoined as on an update."""
        props = {
            **formation_inputs(formation),
            "node": node,
            "roll": roll,
            STARTING_PASSWORD: pulumi.Output.secret(starting_password),
            "settings": settings.values(),
            **{key: None for key in _NOTHING_DONE},
        }
        # A rejoin, then maybe a take-back: two waits bounded by the formation's timeout.
        opts = secret_options(opts, formation.timeout_seconds * 2 + 60)
        super().__init__(RedisRollStepProvider(), name, props, opts)
