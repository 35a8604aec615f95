"""What a client on this machine sees of a deployed redis stack; the integration tests and the soak check
the cluster through it.

A `RedisView` is built from the stack's outputs (password, nodes, addressMap) and reaches the nodes the
way a person on this machine would: each node on its published port (loopback, unless the stack binds
another address), the cluster through redis-py's RedisCluster with `address_remap`.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

import redis
from pulumi import automation as auto
from redis.cluster import ClusterNode, RedisCluster, key_slot
from redis.exceptions import RedisClusterException

SLOT_COUNT = 16384


@dataclass(frozen=True)
class ClusterRow:
    """One line of CLUSTER NODES."""

    node_id: str
    ip: str
    flags: Tuple[str, ...]
    master: str
    slots: Tuple[str, ...]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    def owns(self, slot: int) -> bool:
        for token in self.slots:
            if token.startswith("["):
                continue
            start, _, end = token.partition("-")
            if int(start) <= slot <= int(end or start):
                return True
        return False


@dataclass(frozen=True)
class RedisView:
    """A deployed redis stack as a client on this machine reaches it: each node, and the whole cluster."""

    password: str
    nodes: Mapping[str, Mapping[str, Any]]  # the `nodes` output by name
    address_map: Mapping[Tuple[str, int], Tuple[str, int]]
    host: str = "127.0.0.1"  # where the ports are published: the stack's bindAddress

    @classmethod
    def of(cls, stack: auto.Stack) -> "RedisView":
        outputs = stack.outputs()
        remap = {}
        for announced, published in outputs["addressMap"].value.items():
            (ip, port), (host, host_port) = announced.split(":"), published.split(":")
            remap[(ip, int(port))] = (host, int(host_port))
        return cls(
            password=outputs["password"].value,
            nodes={n["name"]: n for n in outputs["nodes"].value},
            address_map=remap,
            host=next(iter(remap.values()))[0],
        )

    @property
    def names(self) -> List[str]:
        return list(self.nodes)

    def node(self, name: str) -> redis.Redis:
        return redis.Redis(
            host=self.host,
            port=self.nodes[name]["hostPort"],
            password=self.password,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=2,
        )

    def ask(self, name: str, *args: Any) -> Any:
        client = self.node(name)
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def cluster_nodes(self, name: str) -> List[ClusterRow]:
        rows = []
        for line in self.ask(name, "CLUSTER", "NODES").strip().splitlines():
            parts = line.split()
            rows.append(
                ClusterRow(
                    node_id=parts[0],
                    ip=parts[1].split(":")[0],
                    flags=tuple(parts[2].split(",")),
                    master=parts[3],
                    slots=tuple(parts[8:]),
                )
            )
        return rows

    def myself(self, name: str) -> ClusterRow:
        return next(r for r in self.cluster_nodes(name) if "myself" in r.flags)

    def name_of_ip(self, ip: str) -> str:
        return next(name for name, node in self.nodes.items() if node["ip"] == ip)

    def cluster(self) -> RedisCluster:
        # Every node as a way in: the client still starts when some node is down.
        startup = [ClusterNode(self.host, node["hostPort"]) for node in self.nodes.values()]
        return RedisCluster(
            startup_nodes=startup,
            password=self.password,
            address_remap=lambda address: self.address_map.get(address, address),
            decode_responses=True,
            socket_timeout=3,
        )

    def owner_of(self, key: str, asking: Optional[str] = None) -> str:
        slot = key_slot(key.encode())
        for row in self.cluster_nodes(asking or self.names[0]):
            if row.is_master and row.owns(slot):
                return self.name_of_ip(row.ip)
        raise AssertionError(f"nobody owns slot {slot}")

    def masters(self, asking: Optional[str] = None) -> Dict[str, ClusterRow]:
        return {
            self.name_of_ip(r.ip): r
            for r in self.cluster_nodes(asking or self.names[0])
            if r.is_master and r.slots and not {"fail", "fail?"} & set(r.flags)
        }

    def problems(self, masters: int, replicas_per_master: int) -> List[str]:
        """What keeps the cluster from what every test expects: every node ok and knowing all the nodes,
        one slot map covering every slot, the planned number of masters and replicas."""
        problems: List[str] = []
        try:
            for name in self.names:
                info = self.ask(name, "CLUSTER", "INFO")
                if "cluster_state:ok" not in info:
                    problems.append(f"{name}: not cluster_state:ok")
                known = next(line for line in info.splitlines() if line.startswith("cluster_known_nodes:"))
                if known.split(":")[1].strip() != str(len(self.names)):
                    problems.append(f"{name}: {known.strip()}, {len(self.names)} expected")
                replication = self.ask(name, "INFO", "replication")
                if "role:slave" in replication and "master_link_status:up" not in replication:
                    problems.append(f"{name}: a replica not in sync with its master")
            maps = {
                name: sorted((r.ip, r.slots) for r in self.cluster_nodes(name) if r.is_master and r.slots)
                for name in self.names
            }
            if any(seen != maps[self.names[0]] for seen in maps.values()):
                problems.append("the nodes disagree on the slot map")
            rows = self.cluster_nodes(self.names[0])
            masters_now = [r for r in rows if r.is_master and r.slots]
            if len(masters_now) != masters:
                problems.append(f"{len(masters_now)} masters serve slots, {masters} expected")
            for master in masters_now:
                followers = [r for r in rows if r.master == master.node_id and "fail" not in r.flags]
                if len(followers) != replicas_per_master:
                    problems.append(f"{self.name_of_ip(master.ip)} has {len(followers)} replicas")
        except (redis.RedisError, RedisClusterException, StopIteration) as error:
            problems.append(f"{type(error).__name__}: {error}")
        return problems

    def slot_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for name, row in self.masters().items():
            for token in row.slots:
                if not token.startswith("["):
                    start, _, end = token.partition("-")
                    counts[name] = counts.get(name, 0) + int(end or start) - int(start) + 1
        return counts
