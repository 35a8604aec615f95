"""The Redis Cluster: RedisCluster (containers on one engine) and SwarmRedisCluster (services on a Swarm's
nodes), over one core.

- model/: pure: the args and their checks, the plan (addresses, ports, roles, slots), the rendered
  redis.conf and run.sh, what is live and what rolls, the reshard plan, what a live cluster says of itself;
- resources/: the dynamic resources that form, seed, reshard, repair and roll the cluster, and apply its live
  settings, all reaching the nodes through resources/node_session.py;
- cluster.py, swarm_cluster.py: the two components, each with its lifecycle in one method; cluster_parts.py
  what they build alike; node.py and service_node.py one node of each;
- settings.py: the `redis` stack setting, parsed into RedisClusterArgs;
- formation/, password.py, starting_password.py: old module paths of the dynamic providers, for stacks
  deployed before (see formation/__init__.py).
"""

from components.lazy_exports import lazy_exports

_EXPORTS = {
    "RedisCluster": "components.redis.cluster",
    "SwarmRedisCluster": "components.redis.swarm_cluster",
    "SwarmRedisClusterArgs": "components.redis.swarm_cluster",
    "RedisClusterArgs": "components.redis.model.cluster_args",
    "ClusterPlan": "components.redis.model.plan",
    "NodePlan": "components.redis.model.plan",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
