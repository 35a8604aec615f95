"""RedisRollPlan: what each node's container is made of, kept so that an update that cannot roll safely is
refused at preview, before any container is touched (components/redis/rolling.py says which).

Its inputs are every node's fingerprint (image, published ports, address, file hashes, restart policy), the
cluster's shape and the roll order. `check` compares them with the last update's: a refusal is a check
failure, which stops `pulumi preview` and `pulumi up` with the reason and a safe order of steps. A change
is an update of this resource, so `pulumi preview --diff` shows, per node, what changes and hence rolls.
It does nothing to the nodes itself: the containers are chained after it (formation/roll_step.py).
"""

from typing import Any, Dict, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.redis.model.rolling import roll_change, unsafe_roll
from components.unknowns import is_unknown

KEYS = ("masters", "replicasPerMaster", "order", "nodes")


class RedisRollPlanProvider(ResourceProvider):
    def check(self, olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        if not olds or any(is_unknown(news.get(key)) for key in KEYS):
            return CheckResult(news, [])
        refusal = unsafe_roll(olds, news, news.get("setting") or "redis")
        # No property named: Pulumi would print the whole value before the reason.
        return CheckResult(news, [CheckFailure("", refusal)] if refusal else [])

    def create(self, props: Dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['clusterName']}-roll-plan", outs={**props, "rolled": []})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        changed = [key for key in KEYS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, "rolled": list(roll_change(olds, news).rolling)})

    def delete(self, _id: str, props: Dict[str, Any]) -> None:
        pass  # a record, nothing on the nodes


class RedisRollPlan(Resource, module="redis", name="RollPlan"):
    """Output: rolled (the nodes whose containers the last update replaced, in the order it did)."""

    rolled: pulumi.Output[Any]

    def __init__(
        self, name: str, inputs: Dict[str, Any], setting: str, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(RedisRollPlanProvider(), name, {**inputs, "setting": setting, "rolled": None}, opts)
