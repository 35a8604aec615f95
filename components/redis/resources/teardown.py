"""RedisTeardown: when the whole cluster goes (`pulumi destroy`), its containers and data volumes go at once.

Every node's container and volume is registered `deleted_with` this resource (components/redis/node.py).
When it is deleted in the same operation (a destroy, or the cluster taken out of the program), Pulumi calls
none of their deletes, and this one's removes them all together: no roll chain to walk one node at a time,
no master's hand-over (a whole cluster going has nobody to hand its slots to), no wait of pulumi-docker's
after each volume. A container or volume that goes alone (a node removed by scaling, a container replaced
by a roll) is deleted by its own provider as before: this resource stays.

Its delete removes only the containers and volumes its inputs name, and only those that carry the cluster's
labels. It is never replaced (that would delete it, and the cluster with it): any input change is an update.
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.engine.client import EngineClient, NotFound
from components.redis.resources.node_session import on_each_node

KEYS = ("clusterName", "containers", "volumes", "labels")


def carries(labels: Optional[Mapping[str, str]], wanted: Mapping[str, str]) -> bool:
    return all((labels or {}).get(key) == value for key, value in wanted.items())


def remove_cluster(containers: Sequence[str], volumes: Sequence[str], labels: Mapping[str, str]) -> List[str]:
    """The named containers, then the named volumes, that carry `labels`, removed; returns what was."""
    removed: List[str] = []
    with EngineClient() as client:

        def container(name: str) -> Optional[str]:
            try:
                if not carries(client.container(name).get("Config", {}).get("Labels"), labels):
                    return None  # not the cluster's: someone else's container of that name
                client.remove_container(name)
            except NotFound:
                return None  # removed already (by hand, say)
            return name

        def volume(name: str) -> Optional[str]:
            try:
                if not carries(client.volume(name).get("Labels"), labels):
                    return None
                client.remove_volume(name)
            except NotFound:
                return None
            return name

        removed += [name for name in on_each_node(list(containers), container) if name]
        # A volume can go only once no container uses it.
        removed += [name for name in on_each_node(list(volumes), volume) if name]
    return removed


class RedisTeardownProvider(ResourceProvider):
    """Holds no state: everything comes from the resource's properties."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['clusterName']}-teardown", outs=props)

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        changed = [key for key in KEYS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        remove_cluster(props.get("containers") or [], props.get("volumes") or [], props.get("labels") or {})


class RedisTeardown(Resource, module="redis", name="Teardown"):
    """`containers` and `volumes`: the engine names of the cluster's nodes' containers and data volumes;
    `labels`: what each of them carries (the project's and the stack's), checked before one is removed."""

    def __init__(
        self,
        name: str,
        cluster_name: str,
        containers: Sequence[str],
        volumes: Sequence[str],
        labels: Mapping[str, str],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        props = {
            "clusterName": cluster_name,
            "containers": list(containers),
            "volumes": list(volumes),
            "labels": dict(labels),
        }
        super().__init__(RedisTeardownProvider(), name, props, opts)
