"""What the redis integration tests check on a deployed stack, shared by test_redis.py and test_redis_faults.py.

A `RedisView` is built from the stack's outputs (password, nodes, addressMap) and reaches the nodes the
way a person on this machine would: each node on its published port (loopback, unless the stack binds
another address), the cluster through redis-py's RedisCluster with `address_remap`.
"""

import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import redis
from pulumi import automation as auto
from redis.cluster import ClusterNode, RedisCluster, key_slot
from redis.exceptions import RedisClusterException

SLOT_COUNT = 16384


class Printed:
    """Collects what the CLI prints, so tests can check what a person would have seen."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        print(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def changes(result: Any) -> Dict[str, int]:
    """The resource changes of an up or preview result, without the unchanged ones."""
    summary = getattr(result, "summary", None)
    counts = (summary.resource_changes if summary else result.change_summary) or {}
    return {kind: count for kind, count in counts.items() if kind != "same"}


@dataclass(frozen=True)
class ClusterRow:
    """One line of CLUSTER NODES."""

    node_id: str
    ip: str
    flags: Tuple[str, ...]
    master: str
    slots: Tuple[str, ...]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    def owns(self, slot: int) -> bool:
        for token in self.slots:
            if token.startswith("["):
                continue
            start, _, end = token.partition("-")
            if int(start) <= slot <= int(end or start):
                return True
        return False


@dataclass(frozen=True)
class RedisView:
    password: str
    nodes: Mapping[str, Mapping[str, Any]]  # the `nodes` output by name
    address_map: Mapping[Tuple[str, int], Tuple[str, int]]
    host: str = "127.0.0.1"  # where the ports are published: the stack's bindAddress

    @classmethod
    def of(cls, stack: auto.Stack) -> "RedisView":
        outputs = stack.outputs()
        remap = {}
        for announced, published in outputs["addressMap"].value.items():
            (ip, port), (host, host_port) = announced.split(":"), published.split(":")
            remap[(ip, int(port))] = (host, int(host_port))
        return cls(
            password=outputs["password"].value,
            nodes={n["name"]: n for n in outputs["nodes"].value},
            address_map=remap,
            host=next(iter(remap.values()))[0],
        )

    @property
    def names(self) -> List[str]:
        return list(self.nodes)

    def node(self, name: str) -> redis.Redis:
        return redis.Redis(
            host=self.host,
            port=self.nodes[name]["hostPort"],
            password=self.password,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=2,
        )

    def ask(self, name: str, *args: Any) -> Any:
        client = self.node(name)
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def cluster_nodes(self, name: str) -> List[ClusterRow]:
        rows = []
        for line in self.ask(name, "CLUSTER", "NODES").strip().splitlines():
            parts = line.split()
            rows.append(
                ClusterRow(
                    node_id=parts[0],
                    ip=parts[1].split(":")[0],
                    flags=tuple(parts[2].split(",")),
                    master=parts[3],
                    slots=tuple(parts[8:]),
                )
            )
        return rows

    def myself(self, name: str) -> ClusterRow:
        return next(r for r in self.cluster_nodes(name) if "myself" in r.flags)

    def name_of_ip(self, ip: str) -> str:
        return next(name for name, node in self.nodes.items() if node["ip"] == ip)

    def cluster(self) -> RedisCluster:
        # Every node as a way in: the client still starts when some node is down.
        startup = [ClusterNode(self.host, node["hostPort"]) for node in self.nodes.values()]
        return RedisCluster(
            startup_nodes=startup,
            password=self.password,
            address_remap=lambda address: self.address_map.get(address, address),
            decode_responses=True,
            socket_timeout=3,
        )

    def owner_of(self, key: str, asking: Optional[str] = None) -> str:
        slot = key_slot(key.encode())
        for row in self.cluster_nodes(asking or self.names[0]):
            if row.is_master and row.owns(slot):
                return self.name_of_ip(row.ip)
        raise AssertionError(f"nobody owns slot {slot}")

    def masters(self, asking: Optional[str] = None) -> Dict[str, ClusterRow]:
        return {
            self.name_of_ip(r.ip): r
            for r in self.cluster_nodes(asking or self.names[0])
            if r.is_master and r.slots and not {"fail", "fail?"} & set(r.flags)
        }

    def problems(self, masters: int, replicas_per_master: int) -> List[str]:
        """What keeps the cluster from what every test expects: every node ok and knowing all the nodes,
        one slot map covering every slot, the planned number of masters and replicas."""
        problems: List[str] = []
        try:
            for name in self.names:
                info = self.ask(name, "CLUSTER", "INFO")
                if "cluster_state:ok" not in info:
                    problems.append(f"{name}: not cluster_state:ok")
                known = next(line for line in info.splitlines() if line.startswith("cluster_known_nodes:"))
                if known.split(":")[1].strip() != str(len(self.names)):
                    problems.append(f"{name}: {known.strip()}, {len(self.names)} expected")
                replication = self.ask(name, "INFO", "replication")
                if "role:slave" in replication and "master_link_status:up" not in replication:
                    problems.append(f"{name}: a replica not in sync with its master")
            maps = {
                name: sorted((r.ip, r.slots) for r in self.cluster_nodes(name) if r.is_master and r.slots)
                for name in self.names
            }
            if any(seen != maps[self.names[0]] for seen in maps.values()):
                problems.append("the nodes disagree on the slot map")
            rows = self.cluster_nodes(self.names[0])
            masters_now = [r for r in rows if r.is_master and r.slots]
            if len(masters_now) != masters:
                problems.append(f"{len(masters_now)} masters serve slots, {masters} expected")
            for master in masters_now:
                followers = [r for r in rows if r.master == master.node_id and "fail" not in r.flags]
                if len(followers) != replicas_per_master:
                    problems.append(f"{self.name_of_ip(master.ip)} has {len(followers)} replicas")
        except (redis.RedisError, RedisClusterException, StopIteration) as error:
            problems.append(f"{type(error).__name__}: {error}")
        return problems

    def slot_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for name, row in self.masters().items():
            for token in row.slots:
                if not token.startswith("["):
                    start, _, end = token.partition("-")
                    counts[name] = counts.get(name, 0) + int(end or start) - int(start) + 1
        return counts


def keys_for_every_master(view: RedisView, count: int, prefix: str = "fault") -> Dict[str, str]:
    """`count` keys spread over the slot space, at least one on every master; values name the key."""
    keys = {f"{prefix}-{i}": f"value-of-{prefix}-{i}" for i in range(count)}
    owners = {view.owner_of(key) for key in list(keys)[: min(count, 64)]}
    assert owners == set(view.masters()), f"keys land on {sorted(owners)}, not on every master"
    return keys


def write_acknowledged(view: RedisView, keys: Mapping[str, str], replicas: int) -> None:
    """Each key written on its master, then WAIT until `replicas` replicas acknowledged every write."""
    masters = view.masters()
    by_master: Dict[str, List[str]] = {}
    for key in keys:
        slot = key_slot(key.encode())
        owner = next(name for name, row in masters.items() if row.owns(slot))
        by_master.setdefault(owner, []).append(key)
    for master, owned in by_master.items():
        client = view.node(master)
        try:
            pipe = client.pipeline(transaction=False)  # one connection: WAIT covers these writes
            for key in owned:
                pipe.set(key, keys[key])
            if replicas:
                pipe.execute_command("WAIT", replicas, 10000)
            results = pipe.execute()
            if replicas:
                assert results[-1] >= replicas, f"{master}: only {results[-1]} replicas acknowledged"
        finally:
            client.close()


def missing_keys(view: RedisView, keys: Mapping[str, str]) -> List[str]:
    """Keys that do not read back with their value through the cluster client."""
    client = view.cluster()
    try:
        names = list(keys)
        values = client.mget_nonatomic(names)
        return [key for key, value in zip(names, values) if value != keys[key]]
    finally:
        client.close()


def take_back(view: RedisView, name: str) -> List[str]:
    """One step of giving a planned master its role back: what still keeps it a replica. Asks for Redis's
    coordinated CLUSTER FAILOVER again whenever the last one had time to finish (Redis gives one up after 5 s)."""
    if view.myself(name).is_master:
        return []
    now = time.monotonic()
    if now - _failover_asked.get(name, 0.0) > 6:
        _failover_asked[name] = now
        view.ask(name, "CLUSTER", "FAILOVER")
    return [f"{name} is still a replica"]


_failover_asked: Dict[str, float] = {}


def wait_until(what: str, check: Callable[[], Sequence[str]], timeout: float, poll: float = 0.5) -> float:
    """Seconds until `check` reports no problem; fails with the last problems after `timeout`."""
    started = time.monotonic()
    while True:
        try:
            problems = list(check())
        except (redis.RedisError, RedisClusterException, OSError) as error:
            problems = [f"{type(error).__name__}: {error}"]
        if not problems:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not after {timeout:.0f}s: {problems[:5]}")
        time.sleep(poll)


def timed(label: str, action: Callable[[], Any]) -> Tuple[Any, float]:
    """Runs `action`, prints how long it took (printed, never asserted) and returns (result, seconds)."""
    started = time.monotonic()
    result = action()
    took = time.monotonic() - started
    print(f"TIMING {label}: {took:.1f}s")
    return result, took
