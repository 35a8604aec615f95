"""Forming the cluster and keeping it whole: the dynamic providers (RedisSlotSeed, RedisFormation), the
steps they take (seeding, resharding and its plan), the Redis commands they send (node_access), and what a
live cluster's nodes say about it (state)."""
