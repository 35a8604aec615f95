"""The RedisCluster component under Pulumi mocks: the resource graph a `pulumi up` would register."""
from pathlib import Path
from typing import Any, Dict, List

import pulumi
import pytest

from components.errors import ConfigError
from components.engine.inventory import EngineNetwork
from components.network.provider import TYPE_TOKEN as NETWORK_TYPE
from components.redis.cluster import RedisCluster
from components.redis.config import AUTH_PATH, CONFIG_PATH, parse_directives
from components.redis.settings import RedisClusterArgs

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # how the engine protocol marks a secret value
FORMATION = "pulumi-python:dynamic/redis:Formation"
SLOT_SEED = "pulumi-python:dynamic/redis:SlotSeed"
PASSWORD_TYPE = "pulumi-python:dynamic/random:GeneratedPassword"


class Inventory:
    def __init__(self, networks=()):
        self.networks = list(networks)

    def engine_networks(self):
        return self.networks

    def host_routes(self):
        return []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        outputs = dict(args.inputs)
        if args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["imageId"] = "sha256:feed"
        if args.typ == PASSWORD_TYPE:
            outputs["result"] = "generated-password"
        if args.typ == FORMATION:
            outputs.update(healthy=True, live={"redis-1": {"role": "master", "master": None, "slots": ["0-5461"]}})
        return f"{args.name}-id", outputs

    def call(self, args):
        return {}


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Keeps every registration request: type, name, parent, dependencies and raw (secret-marked) inputs."""

    def __init__(self, mocks):
        super().__init__(mocks)
        self.requests: List[Any] = []

    def RegisterResource(self, request):
        self.requests.append(request)
        return super().RegisterResource(request)


@pytest.fixture
def monitor():
    recorder = RecordingMonitor(Mocks())
    pulumi.runtime.set_mocks(Mocks(), project="docker-networking", stack="unit", preview=False, monitor=recorder)
    return recorder


def _by_name(monitor) -> Dict[str, Any]:
    """Registrations by name. A component and its own child may share a name (BridgeNetwork and its
    network, RedisNode and its container): the child resource is kept; `_components` has the others."""
    found: Dict[str, Any] = {}
    for request in monitor.requests:
        if request.name not in found or not request.type.startswith("docker-networking:"):
            found[request.name] = request
    return found


def _components(monitor) -> Dict[str, Any]:
    return {r.name: r for r in monitor.requests if r.type.startswith("docker-networking:")}


def _urn_suffix(monitor, name: str) -> str:
    """The end of a resource's URN: its type and name (the parent chain comes before)."""
    request = _by_name(monitor)[name]
    return f"{request.type}::{name}"


def _is_secret(value) -> bool:
    return value.HasField("struct_value") and SECRET_SIG in str(value)


def _wait(cluster: RedisCluster):
    return pulumi.Output.all(cluster.formation.urn, *[c.urn for c in cluster.containers.values()])


@pulumi.runtime.test
def test_six_nodes_six_volumes_one_network_one_formation(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(_):
        types = [r.type for r in monitor.requests]
        assert types.count("docker:index/container:Container") == 6
        assert types.count("docker:index/volume:Volume") == 6
        assert types.count(NETWORK_TYPE) == 1
        assert types.count(FORMATION) == 1 and types.count(PASSWORD_TYPE) == 1 and types.count(SLOT_SEED) == 1
        names = _by_name(monitor)
        assert {f"redis-{i}" for i in range(1, 7)} | {f"redis-{i}-data" for i in range(1, 7)} | {
            "redis-network", "redis-image", "redis-password", "redis-slots", "redis-formation"} <= set(names)
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_every_child_has_the_component_as_parent(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(_):
        names, components = _by_name(monitor), _components(monitor)
        cluster_urn = "docker-networking:index:RedisCluster::redis"
        assert components["redis"].type == "docker-networking:index:RedisCluster"
        for name in ["redis-network", "redis-image", "redis-password", "redis-slots", "redis-formation"]:
            assert components.get(name, names[name]).parent.endswith("$" + cluster_urn), name
        assert names["redis-network"].parent.endswith("$docker-networking:index:BridgeNetwork::redis-network")
        for i in range(1, 7):
            node = components[f"redis-{i}"]
            assert node.type == "docker-networking:index:RedisNode"
            assert node.parent.endswith("$" + cluster_urn)
            node_urn = f"docker-networking:index:RedisNode::redis-{i}"
            assert names[f"redis-{i}"].parent.endswith("$" + node_urn)
            assert names[f"redis-{i}-data"].parent.endswith("$" + node_urn)
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_volumes_and_containers_keep_their_state_from_before_the_node_component(monitor, tmp_path: Path):
    """Stacks deployed when they were the cluster's own children keep them: an alias to that parent."""
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(_):
        names = _by_name(monitor)
        for name in ("redis-1", "redis-1-data"):
            aliases = [str(a) for a in names[name].aliases]
            assert any("RedisCluster::redis" in a and "RedisNode" not in a for a in aliases), (name, aliases)
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_formation_depends_on_every_container_and_keeps_the_password_secret(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(_):
        formation = _by_name(monitor)["redis-formation"]
        dependencies = set(formation.dependencies)
        for i in range(1, 7):
            assert any(urn.endswith(_urn_suffix(monitor, f"redis-{i}")) for urn in dependencies), i
        assert _is_secret(formation.object.fields["password"])
        assert "password" in formation.additionalSecretOutputs
        assert formation.deleteBeforeReplace
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_slot_seed_waits_for_the_masters_containers_only_and_the_formation_for_the_seed(monitor, tmp_path: Path):
    """The seed must not wait for the replicas: a master still without slots 2 s after it started costs
    Redis's 5 s rejoin delay."""
    cluster = RedisCluster("redis", RedisClusterArgs(masters=4), inventory=Inventory(), stack="unit",
                           build_dir=tmp_path)

    def check(_):
        by_name = _by_name(monitor)
        seed = by_name["redis-slots"]
        waits_for = {name for name in cluster.containers
                     if any(urn.endswith(_urn_suffix(monitor, name)) for urn in seed.dependencies)}
        assert waits_for == {node.name for node in cluster.plan.masters}
        assert set(seed.object.fields["containers"].struct_value.fields) == waits_for
        assert _is_secret(seed.object.fields["password"]) and "password" in seed.additionalSecretOutputs
        assert any(urn.endswith(f"{SLOT_SEED}::redis-slots") for urn in by_name["redis-formation"].dependencies)
    return pulumi.Output.all(cluster.slot_seed.urn, _wait(cluster)).apply(check)


@pulumi.runtime.test
def test_each_replica_container_starts_after_its_masters_and_masters_wait_for_no_container(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(masters=4), inventory=Inventory(), stack="unit",
                           build_dir=tmp_path)

    def check(_):
        by_name = _by_name(monitor)
        container_urns = {name: _urn_suffix(monitor, name) for name in cluster.containers}
        for node in cluster.plan.nodes:
            started_after = {name for name, suffix in container_urns.items()
                             if any(urn.endswith(suffix) for urn in by_name[node.name].dependencies)}
            assert started_after == ({node.master} if node.master else set()), node.name
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_containers_get_ip_ports_on_loopback_volume_and_both_config_files(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(_):
        request = _by_name(monitor)["redis-2"]
        fields = request.object.fields
        assert fields["name"].string_value == "redis-2"
        assert [v.string_value for v in fields["command"].list_value.values] == ["redis-server", CONFIG_PATH]
        network = fields["networksAdvanced"].list_value.values[0].struct_value.fields
        assert network["ipv4Address"].string_value == "10.38.0.12"
        ports = sorted((p.struct_value.fields["internal"].number_value, p.struct_value.fields["external"].number_value,
                        p.struct_value.fields["ip"].string_value) for p in fields["ports"].list_value.values)
        assert ports == [(6379, 6372, "127.0.0.1"), (16379, 16372, "127.0.0.1")]
        assert fields["restart"].string_value == "unless-stopped"
        assert fields["volumes"].list_value.values[0].struct_value.fields["containerPath"].string_value == "/data"
        uploads = fields["uploads"].list_value.values
        config = uploads[0].struct_value.fields
        assert config["file"].string_value == CONFIG_PATH
        source = Path(config["source"].string_value)
        assert source == tmp_path / "redis-2" / "redis.conf" and len(config["sourceHash"].string_value) == 64
        assert ("cluster-announce-ip", "10.38.0.12") in parse_directives(source.read_text())
        assert "generated-password" not in source.read_text()
        auth = uploads[1]
        assert _is_secret(auth)  # the whole auth upload, content included, travels as a secret
        assert AUTH_PATH in str(auth) and "generated-password" in str(auth)
        assert request.deleteBeforeReplace and "uploads" in request.additionalSecretOutputs
        labels = {l.struct_value.fields["label"].string_value: l.struct_value.fields["value"].string_value
                  for l in fields["labels"].list_value.values}
        assert labels["io.docker-networking.project"] == "docker-networking"
        assert labels["io.docker-networking.stack"] == "unit"
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_a_configured_password_is_used_and_none_is_generated(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(password="from-config-1"), inventory=Inventory(),
                           stack="unit", build_dir=tmp_path)

    def check(values):
        secret, _ = values
        assert secret == "from-config-1"
        assert PASSWORD_TYPE not in [r.type for r in monitor.requests]
        assert _is_secret(_by_name(monitor)["redis-formation"].object.fields["password"])
    return pulumi.Output.all(cluster.password, _wait(cluster)).apply(check)


@pulumi.runtime.test
def test_generated_password_output_is_secret(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(), inventory=Inventory(), stack="unit", build_dir=tmp_path)

    def check(secret):
        assert secret is True
        assert "result" in _by_name(monitor)["redis-password"].additionalSecretOutputs
    return pulumi.Output.from_input(cluster.password.is_secret()).apply(check)


@pulumi.runtime.test
def test_auth_off_means_no_password_no_auth_upload(monitor, tmp_path: Path):
    cluster = RedisCluster("redis", RedisClusterArgs(auth=False), inventory=Inventory(), stack="unit",
                           build_dir=tmp_path)

    def check(_):
        assert cluster.password is None
        assert PASSWORD_TYPE not in [r.type for r in monitor.requests]
        assert len(_by_name(monitor)["redis-1"].object.fields["uploads"].list_value.values) == 1
        assert "include" not in (tmp_path / "redis-1" / "redis.conf").read_text()
    return _wait(cluster).apply(check)


@pulumi.runtime.test
def test_two_clusters_can_live_in_one_stack(monitor, tmp_path: Path):
    first = RedisCluster("alpha", RedisClusterArgs(network_name="alpha"), inventory=Inventory(), stack="unit",
                         build_dir=tmp_path / "a")
    second = RedisCluster("beta", RedisClusterArgs(network_name="beta", subnet="10.38.1.0/24", base_port=7370,
                                                   bus_base_port=17370),
                          inventory=Inventory(), stack="unit", build_dir=tmp_path / "b")

    def check(_):
        urns = [(r.type, r.name) for r in monitor.requests]
        assert len(urns) == len(set(urns))
        engine_names = [r.object.fields["name"].string_value for r in monitor.requests
                        if r.type in ("docker:index/container:Container", "docker:index/volume:Volume")]
        assert len(engine_names) == len(set(engine_names)) == 24
        names = set(r.name for r in monitor.requests)
        assert {"alpha-1", "beta-1", "alpha-formation", "beta-formation"} <= set(names)
    return pulumi.Output.all(_wait(first), _wait(second)).apply(check)


@pytest.mark.parametrize("args,setting", [
    (RedisClusterArgs(masters=2), "redis.masters"),
    (RedisClusterArgs(subnet="10.38.0.0/29"), "redis.network.subnet"),
    (RedisClusterArgs(image="Redis:Latest"), "docker-networking:redisImage"),
    (RedisClusterArgs(password="has space"), "docker-networking:redisPassword"),
    (RedisClusterArgs(base_port=16365), "redis.busBasePort"),
    (RedisClusterArgs(network_name="bridge"), "redis.network.name"),
])
def test_invalid_settings_register_nothing(monitor, tmp_path: Path, args, setting):
    with pytest.raises(ConfigError) as error:
        RedisCluster("redis", args, inventory=Inventory(), stack="unit", build_dir=tmp_path)
    assert error.value.setting == setting
    assert monitor.requests == [] and not any(tmp_path.iterdir())


def test_a_subnet_taken_by_another_engine_network_is_refused_before_anything_exists(monitor, tmp_path: Path):
    import ipaddress
    taken = EngineNetwork(name="office", id="f" * 64, subnets=(ipaddress.IPv4Network("10.38.0.0/16"),))
    with pytest.raises(ConfigError) as error:
        RedisCluster("redis", RedisClusterArgs(), inventory=Inventory([taken]), stack="unit", build_dir=tmp_path)
    assert error.value.setting == "redis.network.subnet" and "office" in str(error.value)
    assert monitor.requests == []
