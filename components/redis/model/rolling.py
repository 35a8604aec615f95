"""Rolling replacement of a formed cluster's containers: in which order, what each node's container is made
of, and which changes cannot roll safely. Pure: the program and the RollPlan provider feed it plain values.

A container is replaced when what it is made of changes (image, published ports, bind address, its
uploaded files). On a cluster that exists, the containers are chained: one node at a time, replicas before
masters, each next one only once the last is back in the cluster (formation/roll_step.py). A master's
hand-over to its replica on `docker stop` (handover.py) keeps its slots served while it is replaced.

That needs a live copy of every slot at every step. Two kinds of change break it, and are refused at
preview with a safe order of steps: a roll while the masters have no replica, and a roll in the same
update as a change of the number of masters or replicas (nodes added or retired while others go down).
"""

import hashlib
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from components.redis.model.plan import ClusterPlan, NodePlan

# What a container is made of, per node, as the RollPlan's inputs: a changed value replaces it.
FINGERPRINT_KEYS = ("image", "ports", "ip", "config", "run", "restart")


def roll_order(plan: ClusterPlan) -> List[NodePlan]:
    """Replicas before masters: a master goes last, once every replica is back and in sync."""
    return [*plan.replicas, *plan.masters]


def short_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def node_fingerprint(
    node: NodePlan, image: str, bind_address: str, config_text: str, run_text: str, restart_policy: str
) -> Dict[str, str]:
    """What the node's container is made of, readable in a preview's diff (files as short hashes)."""
    return {
        "image": image,
        "ports": f"{bind_address}:{node.host_port},{node.bus_host_port}",
        "ip": node.ip,
        "config": short_sha(config_text),
        "run": short_sha(run_text),
        "restart": restart_policy,
    }


@dataclass(frozen=True)
class RollChange:
    """What an update does to a formed cluster: the nodes whose containers roll, in order, and its shape
    (masters, replicas per master) before and after."""

    rolling: Tuple[str, ...]
    shape_before: Tuple[int, int]
    shape_after: Tuple[int, int]

    @property
    def reshaped(self) -> bool:
        return self.shape_before != self.shape_after


def _shape(props: Mapping[str, Any]) -> Tuple[int, int]:
    return int(props["masters"]), int(props["replicasPerMaster"])


def roll_change(olds: Mapping[str, Any], news: Mapping[str, Any]) -> RollChange:
    """`olds`/`news`: the RollPlan's inputs (masters, replicasPerMaster, order, nodes: name -> fingerprint).
    Only nodes in both roll: a new node is created, a retired one deleted."""
    old_nodes: Mapping[str, Any] = olds.get("nodes") or {}
    new_nodes: Mapping[str, Any] = news.get("nodes") or {}
    order: Sequence[str] = news.get("order") or sorted(new_nodes)
    rolling = tuple(name for name in order if name in old_nodes and old_nodes[name] != new_nodes.get(name))
    return RollChange(rolling=rolling, shape_before=_shape(olds), shape_after=_shape(news))


def _changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any], name: str) -> List[str]:
    old, new = olds["nodes"][name], news["nodes"][name]
    return [key for key in FINGERPRINT_KEYS if old.get(key) != new.get(key)]


def unsafe_roll(olds: Mapping[str, Any], news: Mapping[str, Any], setting: str) -> Optional[str]:
    """Why this update cannot roll without leaving a slot with no live copy, and the safe order; None if it can."""
    if not olds.get("nodes"):
        return None  # a new cluster: created, not rolled
    change = roll_change(olds, news)
    if not change.rolling:
        return None
    changed = sorted({field for name in change.rolling for field in _changed_fields(olds, news, name)})
    what = f"the nodes' {', '.join(changed)}"
    (masters_before, replicas_before), (masters_after, replicas_after) = change.shape_before, change.shape_after
    if change.reshaped:
        return (
            f"this update changes {what}, which replaces {len(change.rolling)} containers one at a time, and "
            f"also {setting}.masters and .replicasPerMaster ({masters_before}x{replicas_before} -> "
            f"{masters_after}x{replicas_after}): nodes would be added or retired while others are down, and a "
            "slot could be left with no live copy. Safe order: 1) put masters and replicasPerMaster back to "
            f"{masters_before} and {replicas_before}, `pulumi up` (the containers roll); 2) then set "
            f"{masters_after} and {replicas_after}, `pulumi up` (the cluster reshards)"
        )
    if replicas_before == 0:
        return (
            f"this update changes {what}, which replaces the containers one at a time, but "
            f"{setting}.replicasPerMaster is 0: a master's slots would have no live copy while its container is "
            f"replaced. Safe order: 1) set {setting}.replicasPerMaster to 1 with the current {', '.join(changed)}, "
            "`pulumi up`; 2) make this change, `pulumi up` (the containers roll); 3) set replicasPerMaster back "
            "to 0, `pulumi up`"
        )
    return None


def roll_plan_inputs(
    plan: ClusterPlan, fingerprints: Mapping[str, Mapping[str, str]], cluster_name: str
) -> Dict[str, Any]:
    """The RollPlan's inputs."""
    return {
        "clusterName": cluster_name,
        "masters": len(plan.masters),
        "replicasPerMaster": plan.replicas_per_master,
        "order": [node.name for node in roll_order(plan)],
        "nodes": {name: dict(values) for name, values in fingerprints.items()},
    }
