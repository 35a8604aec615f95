"""SwarmRedisCluster (components/redis/swarm_cluster.py), under Pulumi mocks and a fake Swarm: where each
node runs and what it announces, the services with their docker configs and the password only in a docker
secret, and bad placements failing before anything exists."""

import base64
import dataclasses
from typing import Any, Dict, List

import pulumi
import pytest

from components.errors import ConfigError
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.config import (
    AUTH_PATH,
    CONFIG_PATH,
    DATA_DIR,
    RedisNodeConfig,
    parse_directives,
    render_node_config,
)
from components.redis.model.plan import plan_on_swarm
from components.redis.swarm_cluster import SwarmRedisCluster, SwarmRedisClusterArgs
from scenarios import swarm as swarm_scenario

from .doubles.pulumi_mocks import (
    FORMATION_TYPE,
    GENERATED_PASSWORD,
    LIVE_SETTINGS_TYPE,
    STARTING_PASSWORD_TYPE,
    Secret,
    run_program,
)
from .doubles.swarm import NODES, FakeSwarm, swarm_node

SERVICE = "docker:index/service:Service"
CONFIG = "docker:index/serviceConfig:ServiceConfig"
SECRET = "docker:index/secret:Secret"
ADDRESSES = {name: f"10.199.40.1{name[-1]}" for name in NODES}
ARGS = RedisClusterArgs(
    subnet="10.40.0.0/24", base_port=21000, bus_base_port=22000, image="docker-networking/redis:local"
)


@pytest.fixture(autouse=True)
def swarm(fake_swarm: FakeSwarm) -> FakeSwarm:
    """The Swarm every test here deploys on: a fake manager and two workers."""
    return fake_swarm


def on_swarm(nodes=(), node_engines=None, **cluster: Any) -> SwarmRedisClusterArgs:
    """ARGS (changed by `cluster`) on the Swarm nodes `nodes` (none: every ready node)."""
    return SwarmRedisClusterArgs(
        cluster=dataclasses.replace(ARGS, **cluster), nodes=list(nodes), node_engines=node_engines or {}
    )


def deploy(args: SwarmRedisClusterArgs):
    deployment, _ = run_program(lambda: SwarmRedisCluster("redis", args), stack="swarm")
    return deployment


def refused(args: SwarmRedisClusterArgs) -> ConfigError:
    deployment, error = run_program(lambda: SwarmRedisCluster("redis", args), stack="swarm", expect=ConfigError)
    assert deployment.resources == []
    return error


def test_masters_on_three_nodes_and_no_replica_on_its_masters_node():
    plan = plan_on_swarm("redis", ARGS, ADDRESSES, "swarm.nodes")
    hosts = {node.name: node.host for node in plan.nodes}
    assert [hosts[m.name] for m in plan.masters] == list(NODES)
    for replica in plan.replicas:
        assert hosts[replica.name] != hosts[replica.master or ""], replica


def test_each_node_announces_its_swarm_nodes_address_and_its_own_published_ports():
    plan = plan_on_swarm("redis", ARGS, ADDRESSES, "swarm.nodes")
    for node in plan.nodes:
        assert (node.ip, node.port, node.bus_port) == (ADDRESSES[node.host], node.host_port, node.bus_host_port)
    assert [node.port for node in plan.nodes] == list(range(21001, 21007))


def test_the_node_listens_on_the_bus_port_it_announces():
    config = RedisNodeConfig(node_name="redis-1", announce_ip="10.199.40.11", port=21001, bus_port=22001)
    directives = dict(parse_directives(render_node_config(config)))
    assert directives["cluster-port"] == directives["cluster-announce-bus-port"] == "22001"
    # On one engine the bus is Redis' default (port + 10000): the file stays as it was.
    default = dict(parse_directives(render_node_config(RedisNodeConfig(node_name="r", announce_ip="10.38.0.11"))))
    assert "cluster-port" not in default


def test_one_node_for_a_master_and_its_replica_is_refused():
    error = refused(on_swarm(nodes=["dn-swarm1"]))
    assert error.setting == "swarm.nodes"
    assert "would share a node with its own replica" in error.problem


def test_a_privileged_base_port_is_refused():
    error = refused(on_swarm(base_port=100))
    assert error.setting == f"{ARGS.setting}.basePort"


def test_a_bind_address_is_refused_on_a_swarm_where_nothing_could_apply_it():
    error = refused(on_swarm(bind_address="10.0.0.5"))
    assert error.setting == f"{ARGS.setting}.bindAddress"
    assert "10.0.0.5 cannot apply on a Swarm" in error.problem and "leave bindAddress unset" in error.fix


def test_a_worker_is_refused_before_anything(swarm: FakeSwarm):
    swarm.manager = False
    assert refused(on_swarm()).setting == "DOCKER_HOST"


def test_a_node_that_is_down_is_refused(swarm: FakeSwarm):
    swarm.nodes[1] = swarm_node("dn-swarm2", ready=False)
    error = refused(on_swarm(nodes=NODES))
    assert error.setting == "swarm.nodes"


def _services(deployment) -> Dict[str, Any]:
    return {s.state["name"]: s for s in deployment.of_type(SERVICE)}


def test_six_services_pinned_published_in_host_mode_with_config_secret_and_volume():
    deployment = deploy(on_swarm())
    services = _services(deployment)
    assert sorted(services) == [f"redis-{n}" for n in range(1, 7)]
    assert len(deployment.of_type(CONFIG)) == 6 and len(deployment.of_type(SECRET)) == 6
    for name, service in services.items():
        n = int(name[-1])
        spec = service.state["taskSpec"]
        container = spec["containerSpec"]
        assert spec["placement"]["constraints"] == [f"node.hostname==dn-swarm{(n - 1) % 3 + 1}"]
        assert service.state["endpointSpec"]["ports"] == [
            {"targetPort": 21000 + n, "publishedPort": 21000 + n, "publishMode": "host"},
            {"targetPort": 22000 + n, "publishedPort": 22000 + n, "publishMode": "host"},
        ]
        assert [c["fileName"] for c in container["configs"]] == [CONFIG_PATH]
        assert [s["fileName"] for s in container["secrets"]] == [AUTH_PATH]
        assert container["mounts"][0]["source"] == f"{name}-data"
        assert container["mounts"][0]["target"] == DATA_DIR
        assert container["mounts"][0]["type"] == "volume"


def test_the_password_is_only_in_the_secrets_and_never_in_plain_text():
    deployment = deploy(on_swarm())
    for secret in deployment.of_type(SECRET):
        assert isinstance(secret.inputs["data"], Secret)
        assert GENERATED_PASSWORD in base64.b64decode(secret.inputs["data"].value).decode()
    for resource in deployment.of_type(CONFIG) + deployment.of_type(SERVICE):
        assert GENERATED_PASSWORD not in str(resource.inputs)
    for config in deployment.of_type(CONFIG):
        text = base64.b64decode(config.inputs["data"]).decode()
        assert "requirepass" not in text and f"include {AUTH_PATH}" in text


def test_on_a_swarm_the_live_settings_stay_in_each_nodes_config():
    """Docker configs are mounted read-only (no CONFIG REWRITE): the stack's values go into them, and a
    change updates the services, as before; there is no RedisLiveSettings, and no StartingPassword (the
    secret holds the current password)."""
    deployment = deploy(on_swarm(node_timeout_ms=6000))
    assert deployment.of_type(LIVE_SETTINGS_TYPE) == [] and deployment.of_type(STARTING_PASSWORD_TYPE) == []
    for config in deployment.of_type(CONFIG):
        assert ("cluster-node-timeout", "6000") in parse_directives(base64.b64decode(config.inputs["data"]).decode())


def test_the_formation_reaches_every_node_at_its_announced_address_and_waits_for_every_service():
    deployment = deploy(on_swarm())
    (formation,) = deployment.of_type(FORMATION_TYPE)
    assert formation.inputs["endpoints"] == {
        f"redis-{n}": {"host": ADDRESSES[f"dn-swarm{(n - 1) % 3 + 1}"], "port": 21000 + n} for n in range(1, 7)
    }
    assert formation.inputs["containers"] == {}
    service_urns: List[str] = [s.urn for s in deployment.of_type(SERVICE)]
    assert set(service_urns) <= set(formation.dependencies)


def test_the_swarm_stack_runs_on_every_ready_node_manager_first(fake_swarm: FakeSwarm):
    config = {"scenario": "swarm", "redisImage": "docker-networking/redis:local", "redis": {"basePort": 21000}}
    deployment, _ = run_program(lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm")
    constraints = sorted(s.state["taskSpec"]["placement"]["constraints"][0] for s in deployment.of_type(SERVICE))
    assert constraints == sorted(f"node.hostname=={h}" for h in NODES for _ in range(2))
    (network,) = deployment.of_type("docker:index/network:Network")
    assert network.state["driver"] == "overlay"


@pytest.mark.parametrize(
    ("swarm_settings", "setting"),
    [
        ({"nodes": "dn-swarm1"}, "docker-networking:swarm.nodes"),
        ({"nodes": ["dn-swarm1", "dn-swarm1"]}, "docker-networking:swarm.nodes"),
        ({"nodes": ["dn-swarm1", "dn-swarm9"]}, "docker-networking:swarm.nodes.dn-swarm9"),
        ({"hosts": []}, "docker-networking:swarm.hosts"),
    ],
)
def test_bad_swarm_settings_name_the_setting(fake_swarm: FakeSwarm, swarm_settings: Dict[str, Any], setting: str):
    config = {"scenario": "swarm", "redisImage": "docker-networking/redis:local", "swarm": swarm_settings}
    deployment, error = run_program(
        lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm", expect=ConfigError
    )
    assert deployment.resources == []
    assert error.setting == setting


def test_with_a_nodes_engine_its_data_volume_is_a_resource_there():
    engines = {name: f"unix:///run/docker-networking/swarm/node{name[-1]}.sock" for name in NODES}
    deployment = deploy(on_swarm(node_engines=engines))
    providers = {p.name: p for p in deployment.of_type("pulumi:providers:docker")}
    assert {name: p.inputs["host"] for name, p in providers.items()} == {f"redis-{h}": e for h, e in engines.items()}
    volumes = deployment.of_type("docker:index/volume:Volume")
    assert sorted(v.state["name"] for v in volumes) == [f"redis-{n}-data" for n in range(1, 7)]
    services = _services(deployment)
    for volume in volumes:
        node = volume.state["name"].removesuffix("-data")
        assert volume.urn in services[node].dependencies, f"{node}'s service does not wait for its volume"
