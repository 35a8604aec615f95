"""Changing a live cluster's shape without losing a key: hand-overs, slot moves, replica moves, retirement.

What `redis-cli --cluster add-node / reshard / rebalance / del-node` do, on redis-py, driven by the pure
plans of `reshard_plan`:
- a leaving master that has a replica staying on hands its slots to it with CLUSTER FAILOVER (no copy);
- slots move with CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE of their keys in batches, then
  CLUSTER SETSLOT NODE on the destination, the source and every other master, as Redis documents;
- replicas are attached or moved with CLUSTER REPLICATE;
- leaving nodes are forgotten by every staying node (CLUSTER FORGET) and reset, before Pulumi deletes
  their containers.
Every step is bounded by the formation's deadline and fails with what is left to do.
"""

import time
from functools import partial
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from components.redis.model.cluster_state import NodeEntry, NodeObservation, slot_map
from components.redis.model.plan import MASTER, NodePlan, slots_of
from components.redis.model.reshard_plan import (
    ReshardingError,
    SlotMove,
    choose_masters,
    plan_replica_moves,
    plan_slot_moves,
)
from components.redis.resources.node_session import (
    Clients,
    FormationError,
    FormationSpec,
    command,
    observe,
    observe_node,
    own_ids,
    retry,
    wait_for,
)

SLOTS_PER_BATCH = 256  # slots per pipelined round of SETSLOT commands
KEYS_PER_MIGRATE = 100
MIGRATE_TIMEOUT_MS = 5000


def _leaving_observations(spec: FormationSpec) -> List[NodeObservation]:
    return [observe_node(spec, node.name) for node in spec.leaving]


def _view(spec: FormationSpec) -> Tuple[List[NodeObservation], Tuple[NodeEntry, ...]]:
    """Every node's observation (staying, then leaving) and the cluster as the first staying node sees it."""
    staying = observe(spec)
    anchor = next((o for o in staying if o.reachable and len(o.entries) > 1), None)
    if anchor is None:
        raise FormationError(
            f"Redis Cluster '{spec.cluster_name}': no planned node answers as part of a "
            f"cluster: {'; '.join(o.error or o.name for o in staying)}"
        )
    return staying + _leaving_observations(spec), anchor.entries


def _not_ok(spec: FormationSpec) -> List[str]:
    observations = observe(spec) + _leaving_observations(spec)
    return [
        f"{o.name}: cluster_state:{o.info.get('cluster_state')}"
        for o in observations
        if o.reachable and o.info.get("cluster_state") != "ok"
    ]


def _names_by_id(observations: Sequence[NodeObservation]) -> Dict[str, str]:
    return {node_id: name for name, node_id in own_ids(observations).items()}


def hand_over_leaving_masters(spec: FormationSpec, deadline: float) -> None:
    """A leaving master with a replica that stays: that replica takes over (CLUSTER FAILOVER, no copy)."""
    if not spec.leaving:
        return
    observations, view = _view(spec)
    names = _names_by_id(observations)
    staying = {node.name for node in spec.plan.nodes}
    leaving = {node.name for node in spec.leaving}
    for entry in view:
        if names.get(entry.node_id) not in leaving or not entry.is_master or not entry.slots:
            continue
        heirs = sorted(
            names[e.node_id]
            for e in view
            if e.master_id == entry.node_id and not e.failing and names.get(e.node_id) in staying
        )
        if not heirs:
            continue  # its slots are moved instead
        heir = heirs[0]
        retry(
            f"{heir} to take over from the leaving {names[entry.node_id]}",
            partial(command, spec, heir, "CLUSTER", "FAILOVER"),
            deadline,
            spec,
        )

        def heir_serves_slots(heir: str = heir) -> List[str]:
            me = observe_node(spec, heir).myself
            return [] if me and me.is_master and me.slots else [f"{heir} does not serve slots yet"]

        wait_for(f"{heir} to take over", heir_serves_slots, deadline, spec)


def finish_open_slots(spec: FormationSpec, deadline: float) -> None:
    """Slots left half-way through a move (an interrupted `up`) are moved to where they were going."""
    observations, view = _view(spec)
    names = _names_by_id(observations)
    owner = {slot: e.node_id for e in view if e.is_master for slot in slots_of(e.slots)}
    open_slots: Dict[int, Tuple[str, str]] = {}
    for obs in observations:
        me = obs.myself
        if me is None:
            continue
        open_slots.update({slot: (me.node_id, peer) for slot, peer in me.migrating})
        open_slots.update({slot: (peer, me.node_id) for slot, peer in me.importing if slot not in open_slots})
    if not open_slots:
        return
    masters = [names[e.node_id] for e in view if e.is_master and e.node_id in names and not e.failing]
    with Clients(spec) as clients:
        for slot, (source, destination) in sorted(open_slots.items()):
            if source not in names or destination not in names:
                for name in masters:  # one side is gone: all that can be done is to close the slot
                    _ignore_errors(
                        lambda name=name, slot=slot: clients[name].execute_command("CLUSTER", "SETSLOT", slot, "STABLE")
                    )
                continue
            if owner.get(slot) == source:
                _move(spec, clients, SlotMove(source, destination, ((slot, slot),)), names, masters, deadline)
            else:
                _assign(clients, [slot], destination, names, masters)


def rebalance_slots(spec: FormationSpec, deadline: float) -> None:
    """Slots off leaving masters and onto new ones, evenly over the planned number of masters."""
    observations, view = _view(spec)
    names = _names_by_id(observations)
    staying = {node.name for node in spec.plan.nodes}
    current = slot_map(view)
    counts = {
        node_id: sum(b - a + 1 for a, b in ranges)
        for node_id, ranges in current.items()
        if names.get(node_id) in staying
    }
    planned_masters = {node.name for node in spec.plan.nodes if node.role == MASTER}
    spare = [
        e.node_id for e in view if e.is_master and not e.slots and not e.failing and names.get(e.node_id) in staying
    ]
    spare.sort(
        key=lambda node_id: (
            names[node_id] not in planned_masters,
            [n.name for n in spec.plan.nodes].index(names[node_id]),
        )
    )
    try:
        targets = choose_masters(counts, spare, len(spec.plan.masters))
        moves = plan_slot_moves(current, targets)
    except ReshardingError as error:
        raise FormationError(f"Redis Cluster '{spec.cluster_name}': {error}") from None
    if not moves:
        return
    # A master that just joined refuses keys (CLUSTERDOWN) until its own cluster_state is ok: for an empty
    # new node Redis holds that back for cluster-node-timeout (at most 5 s) after it learns the slot map.
    wait_for("every node to report cluster_state:ok before slots move", lambda: _not_ok(spec), deadline, spec)
    masters = [names[e.node_id] for e in view if e.is_master and e.node_id in names and not e.failing]
    started, total = time.monotonic(), sum(move.count for move in moves)
    with Clients(spec) as clients:
        for move in moves:
            _move(spec, clients, move, names, masters, deadline)
    print(
        f"Redis Cluster '{spec.cluster_name}': moved {total} slots in {len(moves)} moves "
        f"in {time.monotonic() - started:.1f}s"
    )


def _move(
    spec: FormationSpec,
    clients: Clients,
    move: SlotMove,
    names: Mapping[str, str],
    masters: Sequence[str],
    deadline: float,
) -> None:
    import redis

    source, destination = names[move.source], names[move.destination]
    slots = slots_of(move.slots)
    for start in range(0, len(slots), SLOTS_PER_BATCH):
        if time.monotonic() >= deadline:
            raise spec.timeout(
                f"slots to move from {source} to {destination}",
                [f"{start} of {len(slots)} moved; the next `pulumi up` finishes the move"],
            )
        batch = slots[start : start + SLOTS_PER_BATCH]
        try:
            _pipeline(clients[destination], (("CLUSTER", "SETSLOT", s, "IMPORTING", move.source) for s in batch))
            _pipeline(clients[source], (("CLUSTER", "SETSLOT", s, "MIGRATING", move.destination) for s in batch))
            counts = _pipeline(clients[source], (("CLUSTER", "COUNTKEYSINSLOT", s) for s in batch))
            for slot, count in zip(batch, counts):
                if int(count):
                    _migrate_keys(spec, clients[source], slot, spec.node_of(destination), deadline)
            _assign(clients, batch, move.destination, names, [destination, source, *masters])
        except redis.RedisError as error:
            raise FormationError(
                f"Redis Cluster '{spec.cluster_name}': moving slots {batch[0]}-{batch[-1]} "
                f"from {source} to {destination} failed: {error}. The next `pulumi up` "
                "finishes the move"
            ) from None


def _migrate_keys(spec: FormationSpec, source, slot: int, destination: NodePlan, deadline: float) -> None:
    auth = ("AUTH", spec.password) if spec.password else ()
    while True:
        keys = source.execute_command("CLUSTER", "GETKEYSINSLOT", slot, KEYS_PER_MIGRATE)
        if not keys:
            return
        if time.monotonic() >= deadline:
            raise spec.timeout(
                f"the keys of slot {slot} to move to {destination.ip}:{destination.port}",
                [f"{len(keys)}+ keys left; the next `pulumi up` finishes the move"],
            )
        # REPLACE: a key copied by an interrupted earlier attempt is overwritten by the source's value,
        # which is the authoritative one while the slot is MIGRATING.
        source.execute_command(
            "MIGRATE", destination.ip, destination.port, "", 0, MIGRATE_TIMEOUT_MS, "REPLACE", *auth, "KEYS", *keys
        )


def _assign(
    clients: Clients, slots: Sequence[int], owner_id: str, names: Mapping[str, str], order: Sequence[str]
) -> None:
    """SETSLOT NODE on the destination first, then the source, then the other masters (Redis' order)."""
    done = set()
    for name in order:
        if name in done:
            continue
        done.add(name)
        commands = [("CLUSTER", "SETSLOT", s, "NODE", owner_id) for s in slots]
        if name == names.get(owner_id):
            _pipeline(clients[name], commands)  # the owner must accept: errors are real
        else:
            _ignore_errors(
                lambda name=name, commands=commands: _pipeline(clients[name], commands)
            )  # gossip catches others up


def _pipeline(node, commands: Iterable[Tuple]) -> List:
    pipe = node.pipeline(transaction=False)
    for args in commands:
        pipe.execute_command(*args)
    return pipe.execute()


def _ignore_errors(action) -> None:
    import redis

    try:
        action()
    except redis.RedisError:
        pass


def balance_replicas(spec: FormationSpec, deadline: float) -> List[str]:
    """Every slot-less master becomes a replica, and every master gets its planned number of replicas.

    Returns the names of the nodes that were told to follow a new master."""
    observations = observe(spec)
    names = _names_by_id(observations)
    ids = own_ids(observations)
    # Each node's own line, not one node's view of the others: a node that just rejoined may not have
    # heard yet whom the others follow, and would see shards without replicas that have them.
    selves = sorted((o.myself for o in observations if o.myself), key=lambda me: names.get(me.node_id, ""))
    followers: Dict[str, List[str]] = {me.node_id: [] for me in selves if me.is_master and me.slots}
    for me in selves:
        if me.master_id in followers and not me.failing:
            followers[me.master_id].append(me.node_id)
    spare = [ids[o.name] for o in observations if o.myself and o.myself.is_master and not o.myself.slots]
    preferred = {
        ids[node.name]: ids[node.master]
        for node in spec.plan.nodes
        if node.master and node.name in ids and node.master in ids
    }
    try:
        moves = plan_replica_moves(followers, spare, spec.plan.replicas_per_master, preferred)
    except ReshardingError as error:
        raise FormationError(f"Redis Cluster '{spec.cluster_name}': {error}") from None
    for node_id, master_id in moves:
        name = names[node_id]
        retry(
            f"{name} to follow {names.get(master_id, master_id[:12])}",
            partial(command, spec, name, "CLUSTER", "REPLICATE", master_id),
            deadline,
            spec,
        )
    return [names[node_id] for node_id, _master_id in moves]


def retire_leaving(spec: FormationSpec) -> None:
    """Every staying node forgets the leaving ones, which are then reset: none can gossip its way back."""
    if not spec.leaving:
        return
    staying = observe(spec)
    leaving = _leaving_observations(spec)
    for obs in leaving:
        if obs.myself and obs.myself.slots:  # never forget or flush a node whose slots were not moved off
            raise FormationError(
                f"Redis Cluster '{spec.cluster_name}': the leaving {obs.name} still serves "
                "slots; the next `pulumi up` moves them off before it goes"
            )
    leaving_ips = {f"{node.ip}:{node.port}" for node in spec.leaving}
    # By address too: a leaving node that no longer answers is still known to the others.
    gone = {e.node_id for o in staying for e in o.entries if e.address in leaving_ips}
    gone |= set(own_ids(leaving).values())
    for obs in staying:
        for node_id in sorted(gone):
            _ignore_errors(lambda name=obs.name, node_id=node_id: command(spec, name, "CLUSTER", "FORGET", node_id))
    for obs in leaving:
        if obs.myself:
            reset_node(spec, obs.name, obs.myself.is_master)


def reset_node(spec: FormationSpec, name: str, is_master: bool) -> None:
    """CLUSTER RESET HARD; a master is emptied first, which Redis requires (its slots were moved off)."""

    def reset() -> None:
        if is_master:
            command(spec, name, "FLUSHALL")
        command(spec, name, "CLUSTER", "RESET", "HARD")

    _ignore_errors(reset)  # a node going away as we speak leaves nothing to reset
