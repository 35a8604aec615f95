"""Docker Swarm building blocks: what the Swarm looks like (facts), the checks run on it before anything
is created (checks), an attachable overlay network (overlay) and a service pinned to one node (service)."""
