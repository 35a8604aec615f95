"""The Redis Cluster's dynamic resources, one module each (formation, slot_seed, live_settings, roll_plan,
roll_step, starting_password, generated_password), the node operations they share (seeding, resharding), and
the one way they reach the nodes (node_session)."""

from components.lazy_exports import lazy_exports

_EXPORTS = {
    "RedisFormation": "components.redis.resources.formation",
    "RedisSlotSeed": "components.redis.resources.slot_seed",
    "RedisLiveSettings": "components.redis.resources.live_settings",
    "RedisRollPlan": "components.redis.resources.roll_plan",
    "RedisRollStep": "components.redis.resources.roll_step",
    "RedisTeardown": "components.redis.resources.teardown",
    "StartingPassword": "components.redis.resources.starting_password",
    "GeneratedPassword": "components.redis.resources.generated_password",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
