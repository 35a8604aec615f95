"""The Redis Cluster: RedisCluster and RedisNode, the plan (addresses, ports, roles, slots), the settings,
the rendered redis.conf, how to connect, and the generated password. How the cluster is formed, resharded
and repaired is in formation/."""
