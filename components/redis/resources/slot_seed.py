"""RedisSlotSeed: a new cluster's masters get their planned slots as soon as they answer.

Redis holds a new master at cluster_state:fail for its first 2 s. A master older than that which still
serves no slots counts itself in a minority, and once it has slots it waits min(cluster-node-timeout,
5 s) more before it says ok (its rejoin delay). The formation can start only once every node's container
exists: with 6 masters and more here, later than 2 s after the first master started, and every such
`pulumi up` took 5 s longer (measured). This resource depends on the masters' containers alone, so they
get their slots within those 2 s.

It seeds only a cluster that is new: every planned master answers, knows only itself, serves no slots and
has config epoch 0. A formed cluster, a grown one, an upgraded stack: it does nothing, and the formation,
which checks everything again, does what is needed. It has nothing to update or delete: the formation
owns the cluster's lifecycle.
"""

import time
from typing import Any, Dict, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider

from components.redis.resources.formation import RedisFormationArgs, formation_inputs
from components.redis.resources.node_session import FormationSpec, observe_node, observe_until
from components.redis.resources.seeding import seed_planned_slots
from components.unknowns import is_unknown


def seed_new_cluster(spec: FormationSpec) -> bool:
    """Epochs and planned slots on the masters if the cluster is new; True if it was."""
    observations = observe_until(
        "every master to answer",
        lambda: [observe_node(spec, master.name) for master in spec.plan.masters],
        lambda look: [f"{obs.name}: {obs.error}" for obs in look if not obs.reachable],
        time.monotonic() + spec.timeout_seconds,
        spec,
    )
    if not all(obs.is_blank and obs.info.get("cluster_my_epoch", "0") == "0" for obs in observations):
        return False
    seed_planned_slots(spec, spec.plan.masters, observations)
    return True


class RedisSlotSeedProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        seeded = seed_new_cluster(FormationSpec.from_props(props))
        return CreateResult(id_=f"{props['clusterName']}-slots", outs={**props, "seeded": seeded})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        # Another cluster name is another cluster, maybe new; any other change is the formation's to handle.
        if is_unknown(news.get("clusterName")) or olds.get("clusterName") != news.get("clusterName"):
            return DiffResult(changes=True, replaces=["clusterName"], delete_before_replace=True)
        return DiffResult(changes=False)  # so it is never updated: replaced, or left as it is

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        pass  # the formation resets the nodes; a seed leaves nothing of its own


class RedisSlotSeed(Resource, module="redis", name="SlotSeed"):
    """Output: seeded (whether this cluster was new and its masters got their slots here)."""

    seeded: pulumi.Output[bool]

    def __init__(self, name: str, args: RedisFormationArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=["password"],
                custom_timeouts=pulumi.CustomTimeouts(create=f"{args.timeout_seconds + 60}s"),
            ),
        )
        super().__init__(RedisSlotSeedProvider(), name, {**formation_inputs(args), "seeded": None}, opts)
