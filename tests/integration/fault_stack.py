"""A redis stack under faults: what the fault tests do to it and check of it (test_redis_faults.py, and
test_engine_restart.py on an engine of its own)."""

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Dict, List, Mapping, Set, Tuple

from pulumi import automation as auto

from harness.isolation import RunIsolation
from harness.redis_view import RedisView
from harness.waiting import wait_until
from tests.integration import engine
from tests.integration.redis_checks import keys_for_every_master, missing_keys, take_back, timed, write_acknowledged

KEY_COUNT = 300
RECOVERY_LIMIT_SECONDS = 120
ENGINE_TYPES = {
    "docker:index/container:Container": "container",
    "docker:index/volume:Volume": "volume",
    "docker:index/network:Network": "network",
    "pulumi-python:dynamic/docker-networking:Network": "network",
}


@dataclass
class Faults:
    """The stack under test, the keys it must keep, and the shape it should have."""

    project: Any
    stack: auto.Stack
    keys: Dict[str, str] = field(default_factory=dict)
    masters: int = 3
    replicas: int = 1

    @property
    def view(self) -> RedisView:
        return RedisView.of(self.stack)

    def up(self, label: str, **kwargs: Any) -> auto.UpResult:
        result, _ = timed(label, lambda: self.stack.up(on_output=print, **kwargs))
        return result

    def problems(self) -> List[str]:
        view = self.view
        return view.problems(self.masters, self.replicas) + [
            f"missing key {k}" for k in missing_keys(view, self.keys)[:3]
        ]

    def planned_masters(self) -> List[str]:
        return [node["name"] for node in self.stack.outputs()["plan"].value if node["role"] == "master"]

    def swapped_roles(self) -> List[str]:
        view = self.view
        return [name for name in self.planned_masters() if not view.myself(name).is_master]

    def restore(self) -> None:
        """A whole cluster in its planned state (shape, roles, every key written so far), whatever an earlier
        test left: deployed if it is not, repaired by `up --refresh` if a node is broken, each planned master
        given its role back. A test that failed half-way thus does not fail the next one."""
        if not self.stack.outputs():
            self.up("restore: the stack deployed")
            self.keys = {}  # a new cluster: what was written before is gone with the old one
        elif self.problems():
            self.up("restore: up --refresh", refresh=True)
        for name in self.swapped_roles():
            took = wait_until(f"{name} to be master again", partial(take_back, self.view, name), 120)
            print(f"TIMING restore: {name} took its planned role back in {took:.1f}s")
        # A failover is done before every node's view of it is: its old master rejoins as its replica.
        wait_until("the cluster whole again", self.problems, RECOVERY_LIMIT_SECONDS)
        if not self.keys:
            self.write_keys()
        self.assert_whole()

    def assert_whole(self) -> None:
        """Every node cluster_state:ok, every node knowing all the nodes, the planned shape, every key."""
        problems = self.problems()
        assert problems == [], f"the cluster is not whole: {problems}"
        assert self.stack.outputs()["healthy"].value is True, "the stack's output `healthy` is not true"

    def write_keys(self) -> None:
        view = self.view
        self.keys = keys_for_every_master(view, KEY_COUNT)
        write_acknowledged(view, self.keys, replicas=self.replicas)

    @property
    def run(self) -> RunIsolation:
        return self.project.run

    def set_redis(self, settings: Mapping[str, Any]) -> None:
        self.project.set_config(self.stack, "redis", dict(settings))
        self.masters = int(settings.get("masters", 3))
        self.replicas = int(settings.get("replicasPerMaster", 1))

    def container_ids(self) -> Dict[str, str]:
        with engine.client() as client:
            return {
                c["Names"][0].lstrip("/"): c["Id"]
                for c in client.api.containers(all=True, filters=engine.run_filters(self.run.prefix, self.stack.name))
            }

    def labelled_engine_objects(self) -> Set[str]:
        """'kind:name' of what this run has of the stack on the engine."""
        return {
            f"{kind[:-1]}:{name}"
            for kind in engine.KINDS
            for name in engine.labelled(kind, self.stack.name, self.run.prefix)
        }

    def assert_no_orphans(self) -> None:
        """Nothing of this stack on the engine that its state does not know, and nothing missing."""
        assert self.labelled_engine_objects() == recorded_engine_objects(self.stack)


def exported_state(stack: auto.Stack) -> Mapping[str, Any]:
    """The stack's state as `pulumi stack export` gives it; Pulumi's types allow none, a stack always has one."""
    state = stack.export_stack().deployment
    assert state is not None, f"stack {stack.name} exported no state"
    return state


def recorded_engine_objects(stack: auto.Stack) -> Set[str]:
    """'kind:name' of every container, volume and network the stack's state holds."""
    resources = exported_state(stack).get("resources") or []
    return {
        f"{ENGINE_TYPES[r['type']]}:{(r.get('outputs') or {}).get('name')}"
        for r in resources
        if r.get("type") in ENGINE_TYPES
    }


def pending_operations(stack: auto.Stack) -> List[Tuple[str, str]]:
    return [
        (op["type"], op["resource"]["urn"].rsplit("::", 1)[-1])
        for op in exported_state(stack).get("pending_operations") or []
    ]


@dataclass
class Recorded:
    """Which resources a preview or an up touches, in the order the engine reported them done."""

    steps: List[Tuple[str, str]] = field(default_factory=list)  # (op, resource name)
    diffs: Dict[str, List[str]] = field(default_factory=dict)  # resource name -> the properties that changed

    def __call__(self, event: auto.EngineEvent) -> None:
        done = event.res_outputs_event  # a step finished (in a preview: planned)
        if done is None or done.metadata.op.value in ("same", "refresh"):
            return
        if done.metadata.type.startswith(("pulumi:", "docker-networking:")):
            return  # the stack, providers and components: not what a person counts as changed
        name = done.metadata.urn.rsplit("::", 1)[-1]
        self.steps.append((done.metadata.op.value, name))
        self.diffs[name] = list(done.metadata.diffs or [])

    def names(self, op: str) -> Set[str]:
        return {name for done, name in self.steps if done == op}

    def first(self, op: str, names: Set[str]) -> int:
        return min(i for i, (done, name) in enumerate(self.steps) if done == op and name in names)


def remove_container(name: str) -> None:
    """As `docker rm -f` does, behind Pulumi's back."""
    with engine.client() as client:
        client.api.remove_container(name, force=True)  # its volume stays, as with `docker rm -f`
