"""The picture of a live stack: bridges, veth pairs, containers, addresses, links and cluster roles.

`python -m topology STACK` (or `make topology STACK=...`) reads the engine (engine.py), builds a graph model
with pure functions (model.py, redis_roles.py) and draws it with Graphviz (render.py). See docs/topology.md.
"""
