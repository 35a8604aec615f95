"""The RedisCluster component under Pulumi mocks: the resource graph a `pulumi up` would register."""

import dataclasses
import ipaddress
import json
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pulumi
import pytest

from components.engine.inventory import EngineNetwork
from components.errors import ConfigError
from components.labels import PROJECT_LABEL, STACK_LABEL
from components.network.provider import TYPE_TOKEN as NETWORK_TYPE
from components.redis import node_files
from components.redis.cluster import RedisCluster
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.config import AUTH_PATH, CONFIG_PATH, parse_directives, render_auth_config
from components.redis.model.run_script import RUN_PATH, STOP_TIMEOUT_SECONDS, render_run_script
from components.redis.resources.starting_password import StartingPasswordProvider

from .doubles.inventory import FakeInventory
from .doubles.pulumi_mocks import (
    CONTAINER_TYPE,
    FORMATION_TYPE,
    GENERATED_PASSWORD,
    IMAGE_TYPE,
    LIVE_SETTINGS_TYPE,
    PASSWORD_TYPE,
    SLOT_SEED_TYPE,
    STARTING_PASSWORD_TYPE,
    Deployment,
    Secret,
    run_program,
)

VOLUME_TYPE = "docker:index/volume:Volume"
STACK = "unit"


@pytest.fixture(autouse=True)
def on_fakes(fake_inventory: FakeInventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cluster checks a fake inventory and writes its files under the test's directory."""
    monkeypatch.setattr(node_files, "BUILD_ROOT", tmp_path)


def files(tmp_path: Path, cluster: str = "redis") -> Path:
    """Where a cluster's files are rendered: .build/<stack>/<cluster>/<node>/ in a program's directory."""
    return tmp_path / STACK / cluster


def deploy(
    args: RedisClusterArgs, name: str = "redis", kept: Optional[Dict[str, Dict[str, Any]]] = None
) -> Tuple[Deployment, RedisCluster]:
    """`kept`: outputs an earlier `up` left in the state, by resource name (see ProjectMocks)."""
    holder: Dict[str, RedisCluster] = {}

    def program() -> None:
        holder["cluster"] = RedisCluster(name, args)

    deployment, _ = run_program(program, stack=STACK, kept=kept)
    return deployment, holder["cluster"]


def test_six_nodes_six_volumes_one_network_one_formation(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs())
    types = [r.type for r in deployment.resources]
    assert types.count(CONTAINER_TYPE) == 6
    assert types.count(VOLUME_TYPE) == 6
    assert types.count(NETWORK_TYPE) == 1
    assert types.count(FORMATION_TYPE) == 1 and types.count(PASSWORD_TYPE) == 1 and types.count(SLOT_SEED_TYPE) == 1
    assert types.count(LIVE_SETTINGS_TYPE) == 1 and types.count(STARTING_PASSWORD_TYPE) == 1
    names = {r.name for r in deployment.resources}
    assert {f"redis-{i}" for i in range(1, 7)} | {f"redis-{i}-data" for i in range(1, 7)} | {
        "redis-network",
        "redis-image",
        "redis-password",
        "redis-slots",
        "redis-live-settings",
        "redis-starting-password",
        "redis-formation",
    } <= names


def test_every_child_has_the_component_as_parent(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs())
    cluster = deployment.named("redis", "index:RedisCluster")
    for name, kind in [
        ("redis-network", "index:BridgeNetwork"),
        ("redis-image", IMAGE_TYPE),
        ("redis-password", PASSWORD_TYPE),
        ("redis-slots", SLOT_SEED_TYPE),
        ("redis-live-settings", LIVE_SETTINGS_TYPE),
        ("redis-starting-password", STARTING_PASSWORD_TYPE),
        ("redis-formation", FORMATION_TYPE),
    ]:
        assert deployment.named(name, kind).parent == cluster.urn, f"{name} is not the cluster's child"
    network = deployment.named("redis-network", NETWORK_TYPE)
    assert network.parent == deployment.named("redis-network", "index:BridgeNetwork").urn
    for i in range(1, 7):
        node = deployment.named(f"redis-{i}", "index:RedisNode")
        assert node.parent == cluster.urn, f"RedisNode redis-{i} is not the cluster's child"
        assert deployment.named(f"redis-{i}", CONTAINER_TYPE).parent == node.urn
        assert deployment.named(f"redis-{i}-data", VOLUME_TYPE).parent == node.urn


def test_volumes_and_containers_keep_their_state_from_before_the_node_component(tmp_path: Path):
    """Stacks deployed when they were the cluster's own children keep them: an alias to that parent."""
    deployment, _ = deploy(RedisClusterArgs())
    cluster = deployment.named("redis", "index:RedisCluster")
    for name, kind in [("redis-1", CONTAINER_TYPE), ("redis-1-data", VOLUME_TYPE)]:
        aliases = deployment.named(name, kind).aliases
        assert {"spec": {"parentUrn": cluster.urn}} in aliases, f"{name} has no alias to the cluster: {aliases}"


def test_formation_depends_on_every_container_and_keeps_the_password_secret(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs())
    formation = deployment.named("redis-formation")
    for name, container in deployment.containers().items():
        assert container.urn in formation.dependencies, f"the formation does not wait for {name}"
    assert len(deployment.containers()) == 6
    assert isinstance(formation.inputs["password"], Secret), "the formation's password input is not secret"
    assert "password" in formation.additional_secret_outputs
    assert formation.delete_before_replace


def test_slot_seed_waits_for_the_masters_containers_only_and_the_formation_for_the_seed(tmp_path: Path):
    """The seed must not wait for the replicas: a master still without slots 2 s after it started costs
    Redis's 5 s rejoin delay."""
    deployment, cluster = deploy(RedisClusterArgs(masters=4))
    seed = deployment.named("redis-slots")
    waits_for = {name for name, container in deployment.containers().items() if container.urn in seed.dependencies}
    assert waits_for == {node.name for node in cluster.plan.masters}
    assert set(seed.inputs["containers"]) == waits_for
    assert isinstance(seed.inputs["password"], Secret) and "password" in seed.additional_secret_outputs
    assert seed.urn in deployment.named("redis-formation").dependencies


def test_live_settings_reach_every_container_before_the_formation_and_the_seed_waits_not_for_them(tmp_path: Path):
    """Every container's id is an input (a recreated node gets the settings again), the formation forms with
    them in place, and the seed still starts as soon as the masters' containers exist."""
    deployment, _ = deploy(RedisClusterArgs(node_timeout_ms=6000))
    live = deployment.named("redis-live-settings")
    containers = deployment.containers()
    assert set(live.inputs["containers"]) == set(containers) and len(containers) == 6
    assert {c.urn for c in containers.values()} <= set(live.dependencies)
    assert live.inputs["settings"] == {"cluster-node-timeout": "6000", "appendonly": "yes"}
    assert isinstance(live.inputs["password"], Secret) and "password" in live.additional_secret_outputs
    assert live.urn in deployment.named("redis-formation").dependencies
    assert live.urn not in deployment.named("redis-slots").dependencies


@pytest.mark.parametrize(
    "changed", [RedisClusterArgs(node_timeout_ms=6000), RedisClusterArgs(appendonly=False)], ids=["timeout", "aof"]
)
def test_a_live_setting_changes_no_container_input_only_the_live_settings(tmp_path: Path, changed: RedisClusterArgs):
    """What replaced all six containers at once before (the rendered redis.conf in their uploads) is now an
    update of redis-live-settings: every container's inputs (uploads and their hashes, command, ...) stay."""
    before, _ = deploy(RedisClusterArgs())
    after, _ = deploy(changed)
    for name, container in before.containers().items():
        assert after.containers()[name].inputs == container.inputs, f"{name} would be replaced"
    settings = [d.named("redis-live-settings").inputs["settings"] for d in (before, after)]
    assert settings[0] != settings[1]
    unchanged = ("clusterName", "topology", "endpoints", "containers", "timeoutSeconds")
    assert all(
        before.named("redis-live-settings").inputs[k] == after.named("redis-live-settings").inputs[k] for k in unchanged
    )
    assert before.named("redis-formation").inputs == after.named("redis-formation").inputs


FIRST, CHANGED = "first-password-1", "changed-password-2"
# The state after a first `up` with FIRST: StartingPassword keeps it, whatever the password is now.
KEPT_FIRST = {"redis-starting-password": {"password": FIRST}}


def test_the_starting_password_keeps_the_first_value_as_a_secret(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs(password=FIRST))
    starting = deployment.named("redis-starting-password", STARTING_PASSWORD_TYPE)
    assert starting.ignore_changes == ["password"], "a changed password would reach the containers' uploads"
    assert starting.inputs["password"] == Secret(FIRST)
    assert "password" in starting.additional_secret_outputs


def test_the_starting_password_provider_never_updates_what_it_was_created_with():
    """Even without ignore_changes (or with a new provider's code in its inputs): no update, whose outputs
    would be the new password's."""
    provider = StartingPasswordProvider()
    created = provider.create({"password": FIRST})
    assert created.outs == {"password": FIRST}
    assert provider.diff(created.id, {"password": FIRST}, {"password": CHANGED}).changes is False


def test_the_auth_upload_comes_from_the_starting_password_and_the_live_settings_get_both(tmp_path: Path):
    """After a change of the password: every container still uploads the first one, the live settings set
    the current one, falling back to the first on a node that refuses it."""
    deployment, _ = deploy(RedisClusterArgs(password=CHANGED), kept=KEPT_FIRST)
    for name, container in deployment.containers().items():
        auth = next(u for u in container.inputs["uploads"] if u["file"] == AUTH_PATH)
        assert auth["content"] == Secret(render_auth_config(FIRST)), name
    live = deployment.named("redis-live-settings")
    assert live.inputs["password"] == Secret(CHANGED)
    assert live.inputs["startingPassword"] == Secret(FIRST)
    assert {"password", "startingPassword"} <= set(live.additional_secret_outputs)
    # preview shows `settings` in clear: the password is none of it
    assert all(CHANGED not in value and FIRST not in value for value in live.inputs["settings"].values())
    assert deployment.named("redis-formation").inputs["password"] == Secret(CHANGED)


def test_a_password_change_changes_no_container_input_only_the_live_settings(tmp_path: Path):
    before, _ = deploy(RedisClusterArgs(password=FIRST))
    after, _ = deploy(RedisClusterArgs(password=CHANGED), kept=KEPT_FIRST)
    for name, container in before.containers().items():
        assert after.containers()[name].inputs == container.inputs, f"{name} would be replaced"
    live = [d.named("redis-live-settings").inputs for d in (before, after)]
    assert live[0]["password"] != live[1]["password"] and live[0]["settings"] == live[1]["settings"]


def test_auth_off_has_no_starting_password(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs(auth=False))
    assert deployment.of_type(STARTING_PASSWORD_TYPE) == []
    assert deployment.named("redis-live-settings").inputs["startingPassword"] == Secret("")


def test_the_uploaded_file_holds_the_starting_values_of_the_live_settings(tmp_path: Path):
    """The defaults, whatever the stack says: a stack deployed before with the defaults uploads the same file."""
    deploy(RedisClusterArgs(node_timeout_ms=6000, appendonly=False))
    directives = dict(parse_directives((files(tmp_path) / "redis-1" / "redis.conf").read_text()))
    assert directives["cluster-node-timeout"] == "5000" and directives["appendonly"] == "yes"


def test_each_replica_container_starts_after_its_masters_and_masters_wait_for_no_container(tmp_path: Path):
    deployment, cluster = deploy(RedisClusterArgs(masters=4))
    containers = deployment.containers()
    for node in cluster.plan.nodes:
        started_after = {name for name, other in containers.items() if other.urn in containers[node.name].dependencies}
        assert started_after == ({node.master} if node.master else set()), node.name


def test_containers_get_ip_ports_on_loopback_volume_and_both_config_files(tmp_path: Path):
    deployment, _ = deploy(RedisClusterArgs())
    container = deployment.containers()["redis-2"]
    inputs = container.inputs
    assert inputs["name"] == "redis-2"
    assert inputs["command"] == ["sh", RUN_PATH]
    assert inputs["stopTimeout"] == STOP_TIMEOUT_SECONDS
    assert inputs["networksAdvanced"][0]["ipv4Address"] == "10.38.0.12"
    ports = sorted((p["internal"], p["external"], p["ip"]) for p in inputs["ports"])
    assert ports == [(6379, 6372, "127.0.0.1"), (16379, 16372, "127.0.0.1")]
    assert inputs["restart"] == "unless-stopped"
    assert inputs["volumes"][0]["containerPath"] == "/data"
    config, run, auth = inputs["uploads"]
    assert run["file"] == RUN_PATH and Path(run["source"]).read_text() == render_run_script()
    assert config["file"] == CONFIG_PATH
    source = Path(config["source"])
    assert source == files(tmp_path) / "redis-2" / "redis.conf" and len(config["sourceHash"]) == 64
    assert ("cluster-announce-ip", "10.38.0.12") in parse_directives(source.read_text())
    assert GENERATED_PASSWORD not in source.read_text()
    assert auth["file"] == AUTH_PATH
    assert isinstance(auth["content"], Secret), "the auth file's content, with the password, is not sent as a secret"
    assert GENERATED_PASSWORD in auth["content"].value
    assert container.delete_before_replace and "uploads" in container.additional_secret_outputs
    labels = {label["label"]: label["value"] for label in inputs["labels"]}
    assert labels[PROJECT_LABEL] == "docker-networking"
    assert labels[STACK_LABEL] == STACK  # the stack Pulumi runs the program in


def test_a_configured_password_is_used_and_none_is_generated(tmp_path: Path):
    def program() -> None:
        cluster = RedisCluster("redis", RedisClusterArgs(password="from-config-1"))
        pulumi.export("password", cluster.password)

    deployment, _ = run_program(program, stack=STACK)
    assert deployment.outputs["password"] == "from-config-1"
    assert deployment.of_type(PASSWORD_TYPE) == []
    assert isinstance(deployment.named("redis-formation").inputs["password"], Secret)


def test_generated_password_output_is_secret(tmp_path: Path):
    def is_a_secret(secret: bool) -> None:
        assert secret is True, "the cluster's password Output is not a secret"

    def program() -> Any:
        cluster = RedisCluster("redis", RedisClusterArgs())
        assert cluster.password is not None
        # The SDK's overloads of from_input cannot tell which one an awaitable meets.
        return pulumi.Output.from_input(cluster.password.is_secret()).apply(is_a_secret)  # type: ignore[arg-type]

    deployment, _ = run_program(program, stack=STACK)
    assert "result" in deployment.named("redis-password").additional_secret_outputs


def test_auth_off_means_no_password_no_auth_upload(tmp_path: Path):
    deployment, cluster = deploy(RedisClusterArgs(auth=False))
    assert cluster.password is None
    assert deployment.of_type(PASSWORD_TYPE) == []
    uploaded = [upload["file"] for upload in deployment.containers()["redis-1"].inputs["uploads"]]
    assert uploaded == [CONFIG_PATH, RUN_PATH]
    assert "include" not in (files(tmp_path) / "redis-1" / "redis.conf").read_text()


def test_two_clusters_can_live_in_one_stack(tmp_path: Path):
    def program() -> None:
        RedisCluster("alpha", RedisClusterArgs(network_name="alpha"))
        RedisCluster(
            "beta", RedisClusterArgs(network_name="beta", subnet="10.38.1.0/24", base_port=7370, bus_base_port=17370)
        )

    deployment, _ = run_program(program, stack=STACK)
    urns = [(r.type, r.name) for r in deployment.resources]
    assert len(urns) == len(set(urns))
    engine_names = [r.inputs["name"] for r in deployment.resources if r.type in (CONTAINER_TYPE, VOLUME_TYPE)]
    assert len(engine_names) == len(set(engine_names)) == 24
    assert {"alpha-1", "beta-1", "alpha-formation", "beta-formation"} <= {r.name for r in deployment.resources}


def test_address_map_and_connect_are_outputs_of_the_published_ports(tmp_path: Path):
    def program() -> None:
        cluster = RedisCluster("redis", RedisClusterArgs())
        assert isinstance(cluster.address_map, pulumi.Output) and isinstance(cluster.connect, pulumi.Output)
        pulumi.export("addressMap", cluster.address_map)
        pulumi.export("connect", cluster.connect)

    outputs = run_program(program, stack=STACK)[0].outputs
    assert outputs["addressMap"] == {f"10.38.0.1{n}:6379": f"127.0.0.1:637{n}" for n in range(1, 7)}
    # The password comes from the stack Pulumi runs the program in.
    assert outputs["connect"]["redisCliFromHost"] == (
        'REDISCLI_AUTH="$(pulumi stack output -s unit --show-secrets password)" redis-cli -c -h 127.0.0.1 -p 6371'
    )
    assert outputs["connect"]["redisCliInNetwork"] == "make redis-cli STACK=unit"
    where = outputs["connect"]["worksWhere"]
    hints = set(outputs["connect"]) - {"worksWhere"}
    assert set(where) == hints, f"hints without a word on where they work: {hints - set(where)}"
    assert "10.38.0.11" in where["redisCliFromHost"] and "Docker Desktop" in where["redisCliFromHost"]


def test_each_cluster_renders_its_files_in_a_folder_of_its_own_under_the_stacks(tmp_path: Path):
    deployment, _ = run_program(lambda: RedisCluster("redis", RedisClusterArgs()), stack=STACK)
    config = deployment.containers()["redis-1"].inputs["uploads"][0]
    assert Path(config["source"]) == tmp_path / STACK / "redis" / "redis-1" / "redis.conf"


def test_the_args_are_plain_values_a_program_can_serialize():
    """What the cluster is, and nothing of where it looks or writes: an engine inventory, a build directory."""
    args = RedisClusterArgs(masters=4, labels={"team": "cache"})
    assert json.loads(json.dumps(dataclasses.asdict(args)))["masters"] == 4
    assert {f.name for f in dataclasses.fields(args)}.isdisjoint({"inventory", "build_dir", "swarm"})


@pytest.mark.parametrize(
    "args,setting",
    [
        (RedisClusterArgs(masters=2), "redis.masters"),
        (RedisClusterArgs(subnet="10.38.0.0/29"), "redis.network.subnet"),
        (RedisClusterArgs(image="Redis:Latest"), "image"),
        (RedisClusterArgs(password="has space"), "password"),
        (RedisClusterArgs(base_port=16365), "redis.busBasePort"),
        (RedisClusterArgs(network_name="bridge"), "redis.network.name"),
    ],
)
def test_invalid_settings_register_nothing(tmp_path: Path, args, setting):
    deployment, error = run_program(lambda: RedisCluster("redis", args), stack=STACK, expect=ConfigError)
    assert error.setting == setting
    assert deployment.resources == [] and not any(tmp_path.iterdir())


def test_a_subnet_taken_by_another_engine_network_is_refused_before_anything_exists(fake_inventory: FakeInventory):
    taken = EngineNetwork(name="office", id="f" * 64, subnets=(ipaddress.IPv4Network("10.38.0.0/16"),))
    fake_inventory.networks.append(taken)
    deployment, error = run_program(lambda: RedisCluster("redis", RedisClusterArgs()), stack=STACK, expect=ConfigError)
    assert error.setting == "redis.network.subnet" and "office" in str(error)
    assert deployment.resources == []
