"""Each Redis node's role and slots, and which master each replica follows, from CLUSTER NODES replies.

Pure: the parsing and the judging are the formation's own (components/redis/formation/state.py), so the
picture and `pulumi stack output nodes` can never disagree on what a reply means.
"""

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from components.redis.model.cluster_state import NodeObservation, live_roles, parse_cluster_nodes
from components.redis.model.plan import REPLICA


@dataclass(frozen=True)
class RedisRole:
    role: str  # master, replica, or unreachable
    master: Optional[str]  # a replica's master, by container name
    slots: Tuple[str, ...]  # a master's slot ranges ("0-5460")

    @property
    def label(self) -> str:
        if self.role == REPLICA:
            return f"replica of {self.master}" if self.master else "replica"
        if self.slots:
            return f"{self.role} · slots {', '.join(self.slots)}"
        return self.role


def roles_from_cluster_nodes(replies: Mapping[str, str]) -> Dict[str, RedisRole]:
    """Container name -> its role, from each node's own CLUSTER NODES reply (its `myself` line)."""
    observations = [
        NodeObservation(name=name, entries=tuple(parse_cluster_nodes(text))) for name, text in sorted(replies.items())
    ]
    return {
        name: RedisRole(role=found["role"], master=found["master"], slots=tuple(found["slots"]))
        for name, found in live_roles(observations).items()
    }


def replications_of(roles: Mapping[str, RedisRole]) -> List[Tuple[str, str]]:
    """(replica, master) for every replica whose master is one of the nodes asked."""
    return sorted(
        (name, role.master)
        for name, role in roles.items()
        if role.role == REPLICA and role.master is not None and role.master in roles
    )
