"""The Redis Cluster as pure values: no Pulumi resources, no engine, no sockets; tested without mocks."""

from components.lazy_exports import lazy_exports

_EXPORTS = {
    "RedisClusterArgs": "components.redis.model.cluster_args",
    "RedisConfig": "components.redis.model.cluster_args",
    "validate_args": "components.redis.model.cluster_args",
    "ClusterPlan": "components.redis.model.plan",
    "NodePlan": "components.redis.model.plan",
    "plan_cluster": "components.redis.model.plan",
    "plan_on_swarm": "components.redis.model.plan",
    "RedisNodeConfig": "components.redis.model.config",
    "render_node_config": "components.redis.model.config",
    "render_run_script": "components.redis.model.run_script",
    "LiveSettings": "components.redis.model.live",
    "roll_order": "components.redis.model.rolling",
    "health_problems": "components.redis.model.cluster_state",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
