"""Where the Redis Cluster's dynamic providers lived before components/redis/ was split into model/ and
resources/.

Pulumi keeps each dynamic resource's provider pickled in the stack's state by its module path, and a stack
deployed before the split diffs, refreshes and deletes its resources with those paths until its next
`pulumi up` records the new ones. These modules keep the old paths importable; new code imports from
components.redis.resources.
"""
