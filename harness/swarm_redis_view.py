"""A RedisView of the `swarm` stack: its nodes announce their Swarm host's address and their own port, so
two nodes share an address and a node is known by address and port; shared by the Swarm's integration
tests and the soak's Swarm target."""

from dataclasses import dataclass
from typing import List

import redis
from redis.cluster import ClusterNode, RedisCluster

from harness.redis_view import ClusterRow, RedisView


@dataclass(frozen=True)
class SwarmRedisView(RedisView):
    """The nodes at the addresses they announce (a Swarm node's address and the node's own port). `down`:
    a host address whose engine is stopped; its nodes are still named but never asked."""

    down: str = ""

    @property
    def names(self) -> List[str]:
        return [name for name, node in self.nodes.items() if node["ip"] != self.down]

    def node(self, name: str) -> redis.Redis:
        node = self.nodes[name]
        return redis.Redis(
            host=node["ip"],
            port=node["hostPort"],
            password=self.password,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=2,
        )

    def cluster_nodes(self, name: str) -> List[ClusterRow]:
        rows = super().cluster_nodes(name)
        addresses = [line.split()[1].split("@")[0] for line in self.ask(name, "CLUSTER", "NODES").strip().splitlines()]
        return [ClusterRow(r.node_id, address, r.flags, r.master, r.slots) for r, address in zip(rows, addresses)]

    def name_of_ip(self, ip: str) -> str:
        return next(name for name, node in self.nodes.items() if f"{node['ip']}:{node['hostPort']}" == ip)

    def cluster(self) -> RedisCluster:
        startup = [ClusterNode(self.nodes[n]["ip"], self.nodes[n]["hostPort"]) for n in self.names]
        return RedisCluster(startup_nodes=startup, password=self.password, decode_responses=True, socket_timeout=3)

    def surviving(self, down_host: str) -> "SwarmRedisView":
        """The view without the nodes announced on `down_host` (their engine is stopped)."""
        return SwarmRedisView(password=self.password, nodes=self.nodes, address_map=self.address_map, down=down_host)
