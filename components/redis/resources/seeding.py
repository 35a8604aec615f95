"""The first step of forming a new cluster: distinct config epochs, then each master's planned slots.

Shared by the formation (which seeds whatever is still unseeded when it starts) and the slot seed (which
seeds a new cluster's masters as soon as they answer). Idempotent: an epoch is set only where it is
still 0, and only the slots a master does not serve yet are added.
"""

from typing import Sequence

from components.redis.model.cluster_state import NodeObservation
from components.redis.model.plan import MASTER, NodePlan, slots_of
from components.redis.resources.node_session import FormationSpec, command


def seed_planned_slots(spec: FormationSpec, nodes: Sequence[NodePlan], observations: Sequence[NodeObservation]) -> None:
    """Epochs for `nodes` (1, 2, ... by their place in the plan, so both callers agree), then the planned
    slots of those of them that are masters. `observations` must include every one of `nodes`."""
    import redis

    by_name = {o.name: o for o in observations}
    epochs = {node.name: epoch for epoch, node in enumerate(spec.plan.nodes, start=1)}
    for node in nodes:
        if by_name[node.name].info.get("cluster_my_epoch", "0") == "0":
            try:
                command(spec, node.name, "CLUSTER", "SET-CONFIG-EPOCH", epochs[node.name])
            except redis.ResponseError:
                pass  # epoch already set by an earlier, interrupted attempt: any distinct value will do
    for node in nodes:
        if node.role != MASTER:
            continue
        me = by_name[node.name].myself
        owned = set(slots_of(me.slots)) if me else set()
        missing = [s for s in slots_of(node.slots) if s not in owned]
        if missing:
            command(spec, node.name, "CLUSTER", "ADDSLOTS", *missing)
