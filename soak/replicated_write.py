"""SET followed by `WAIT 1` on the same connection, routed by a RedisCluster client.

WAIT counts the replicas that acknowledged the writes of *its own connection*, so it must follow the
SET on the connection that carried it; RedisCluster sends a keyless WAIT to every master, on pooled
connections. So the SET and the WAIT go as one pipeline to the node the cluster client's slot map
names, and the redirections Redis answers with are followed as RedisCluster follows them: MOVED
updates the client's slot map, ASK retries once on the importing node with ASKING first.
"""

from typing import Any, List, Optional

from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import AskError, ConnectionError, MovedError, RedisError, TimeoutError

MAX_REDIRECTS = 5


class NotReplicated(RedisError):
    """The master applied the write, but no replica acknowledged it within the WAIT timeout."""


def _node_at(cluster: RedisCluster, host: str, port: int) -> ClusterNode:
    """The node a redirection names, at the address the client reaches it by (address_remap)."""
    host, port = cluster.nodes_manager.remap_host_port(host, port)
    known = cluster.get_node(host=host, port=port)
    if known is not None:
        return known
    node = ClusterNode(host, port)
    cluster.nodes_manager.create_redis_connections([node])
    return node


def set_and_wait(cluster: RedisCluster, key: str, value: str, replicas: int, timeout_ms: int) -> None:
    """Returns once the write is on its master and `replicas` replicas acknowledged it; raises otherwise
    (RedisError, or NotReplicated when the master took it but too few replicas acknowledged)."""
    node: Optional[ClusterNode] = cluster.get_node_from_key(key)
    asking = False
    for _ in range(MAX_REDIRECTS):
        if node is None:
            raise RedisError(f"no master known for {key}")
        pipe = cluster.get_redis_connection(node).pipeline(transaction=False)
        if asking:
            pipe.execute_command("ASKING")
        pipe.set(key, value)
        pipe.execute_command("WAIT", replicas, timeout_ms)
        try:
            results: List[Any] = pipe.execute(raise_on_error=False)
        except (ConnectionError, TimeoutError):
            # As RedisCluster does: the node may be gone or demoted, so read the slot map anew.
            cluster.nodes_manager.initialize()
            raise
        written, acknowledged = results[-2], results[-1]
        # MovedError is an AskError in redis-py: MOVED first.
        if isinstance(written, MovedError):
            cluster.nodes_manager.initialize()  # the whole map, remapped: a failover moves many slots
            node, asking = cluster.get_node_from_key(key), False
            continue
        if isinstance(written, AskError):
            node, asking = _node_at(cluster, written.host, written.port), True
            continue
        if isinstance(written, Exception):
            raise written
        if isinstance(acknowledged, Exception):
            raise acknowledged
        if int(acknowledged) < replicas:
            raise NotReplicated(f"{acknowledged} of {replicas} replicas acknowledged {key}")
        return
    raise RedisError(f"{key}: more than {MAX_REDIRECTS} redirections")
