"""The two dynamic providers: what they decide without a cluster, and that the pickled provider loads in a
fresh interpreter started in the project directory, as the dynamic-provider process is."""

import base64
import pickle
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Union

import dill
import pytest
from pulumi.dynamic import CreateResult, ReadResult
from pulumi.dynamic.dynamic import serialize_provider

from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.plan import plan_cluster
from components.redis.resources.formation import RedisFormationProvider
from components.redis.resources.generated_password import ALPHABET, GeneratedPasswordProvider
from components.redis.resources.live_settings import RedisLiveSettingsProvider
from components.redis.resources.slot_seed import RedisSlotSeedProvider

PROJECT = Path(__file__).resolve().parents[2]


def _outs(result: Union[CreateResult, ReadResult]) -> Dict[str, Any]:
    """The outputs a provider returned: Pulumi's types allow none, these providers always give them."""
    assert result.outs is not None, "the provider returned no outputs"
    return result.outs


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe goes: nothing listens there


def _props(**changes):
    plan = plan_cluster("redis", RedisClusterArgs())
    port = _closed_port()
    props = {
        "clusterName": "redis",
        "topology": plan.topology(),
        "endpoints": {n.name: {"host": "127.0.0.1", "port": port} for n in plan.nodes},
        "password": "pw",
        "containers": {n.name: f"id-{n.name}" for n in plan.nodes},
        "timeoutSeconds": 120,
    }
    props.update(changes)
    return props


def test_generated_password_is_made_once_and_kept():
    provider = GeneratedPasswordProvider()
    created = provider.create({"length": 32, "alphabet": ALPHABET})
    value = _outs(created)["result"]
    assert len(value) == 32 and set(value) <= set(ALPHABET)
    assert _outs(provider.create({"length": 32, "alphabet": ALPHABET}))["result"] != value
    assert provider.diff(created.id, _outs(created), {"length": 32, "alphabet": ALPHABET}).changes is False
    assert provider.diff(created.id, _outs(created), {"length": 40, "alphabet": ALPHABET}).replaces == ["length"]
    assert _outs(provider.read(created.id, _outs(created)))["result"] == value


def test_formation_diff_updates_when_the_cluster_changes_size():
    """Resharding happens in place: more or fewer masters or replicas is an update, never a re-formation."""
    olds = _props()
    for args in (
        RedisClusterArgs(masters=4),
        RedisClusterArgs(replicas_per_master=0),
        RedisClusterArgs(replicas_per_master=2),
    ):
        result = RedisFormationProvider().diff("id", olds, _props(topology=plan_cluster("redis", args).topology()))
        assert result.changes is True and not result.replaces, args


def test_formation_diff_replaces_when_a_kept_node_moves_or_the_name_changes():
    olds = _props()
    moved = plan_cluster("redis", RedisClusterArgs(first_host_offset=21)).topology()
    result = RedisFormationProvider().diff("id", olds, _props(topology=moved))
    assert result.changes and result.replaces == ["topology"] and result.delete_before_replace
    assert RedisFormationProvider().diff("id", olds, _props(clusterName="other")).replaces == ["clusterName"]


def test_formation_diff_updates_on_password_ports_or_new_containers():
    olds = _props()
    for key, value in (
        ("password", "other"),
        ("containers", {"redis-1": "new"}),
        ("endpoints", {"redis-1": {"host": "127.0.0.1", "port": 1}}),
        ("timeoutSeconds", 60),
    ):
        result = RedisFormationProvider().diff("id", olds, {**olds, key: value})
        assert result.changes is True and not result.replaces, key


def test_formation_diff_with_unknown_inputs_in_preview_is_a_change():
    from pulumi.runtime import rpc

    olds = _props()
    assert RedisFormationProvider().diff("id", olds, {**olds, "containers": rpc.UNKNOWN}).changes is True


def test_formation_diff_without_input_changes_asks_the_live_cluster():
    """Nothing answers on the endpoints: that is drift, and `pulumi up` will try to converge."""
    olds = _props()
    assert RedisFormationProvider().diff("id", olds, dict(olds)).changes is True


def test_formation_read_reports_unreachable_nodes():
    outs = _outs(RedisFormationProvider().read("id", _props()))
    assert outs["healthy"] is False and len(outs["problems"]) == 6
    assert outs["live"]["redis-1"]["role"] == "unreachable"


def test_slot_seed_never_changes_a_cluster_it_did_not_create():
    """Size, password, containers: the formation's to handle. Only another cluster name is a new seed."""
    olds = {**_props(), "seeded": True}
    grown = _props(
        topology=plan_cluster("redis", RedisClusterArgs(masters=4)).topology(),
        password="other",
        containers={"redis-1": "another-id"},
    )
    assert RedisSlotSeedProvider().diff("id", olds, grown).changes is False
    renamed = RedisSlotSeedProvider().diff("id", olds, _props(clusterName="cache"))
    assert renamed.changes and renamed.replaces == ["clusterName"]


def test_slot_seed_gives_up_on_silent_masters_at_its_timeout():
    from components.redis.resources.node_session import FormationError

    with pytest.raises(FormationError, match="every master to answer"):
        RedisSlotSeedProvider().create(_props(timeoutSeconds=0.3))


def test_providers_load_in_a_fresh_process_started_in_the_project_directory():
    for provider in (
        RedisFormationProvider(),
        RedisSlotSeedProvider(),
        RedisLiveSettingsProvider(),
        GeneratedPasswordProvider(),
    ):
        encoded = serialize_provider(provider)
        assert b"socket" not in base64.b64decode(encoded)
        code = (
            "import base64, sys, dill; p = dill.loads(base64.b64decode(sys.stdin.read())); "
            "print(type(p).__module__, type(p).__name__)"
        )
        # -m-like start: the project directory as cwd and first on sys.path, nothing else of ours imported.
        result = subprocess.run(
            [sys.executable, "-c", code], input=encoded, capture_output=True, text=True, cwd=PROJECT, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[1] == type(provider).__name__


def test_pickled_provider_is_a_reference_not_a_copy_of_the_module():
    data = dill.dumps(RedisFormationProvider(), recurse=True)
    assert b"components.redis.resources.formation" in data and len(data) < 2000


def test_an_update_reaches_the_nodes_the_new_topology_drops_through_their_old_endpoints():
    from components.redis.resources.node_session import FormationSpec

    bigger = plan_cluster("redis", RedisClusterArgs(masters=4))
    olds = _props(topology=bigger.topology(), endpoints=bigger.endpoints("127.0.0.1"))
    spec = FormationSpec.for_update(
        olds, _props(endpoints=plan_cluster("redis", RedisClusterArgs()).endpoints("127.0.0.1"))
    )
    assert [node.name for node in spec.leaving] == ["redis-7", "redis-8"]
    assert spec.endpoints["redis-8"] == {"host": "127.0.0.1", "port": 6378} and spec.ip_of("redis-8") == "10.38.0.18"
    assert [node.name for node in spec.plan.nodes] == [f"redis-{i}" for i in range(1, 7)]
    assert FormationSpec.for_update(olds, olds).leaving == ()


# Module paths under which stacks deployed by earlier versions hold their dynamic providers, pickled.
PICKLED_PATHS = {
    "components.providers.redis_formation": "RedisFormationProvider",
    "components.providers.redis_slot_seed": "RedisSlotSeedProvider",
    "components.providers.generated_password": "GeneratedPasswordProvider",
    "components.providers.docker_network": "DockerNetworkProvider",
    "components.providers.network_connection": "NetworkConnectionProvider",
    "components.redis.formation.provider": "RedisFormationProvider",
    "components.redis.formation.slot_seed": "RedisSlotSeedProvider",
    "components.redis.formation.live_settings": "RedisLiveSettingsProvider",
    "components.redis.formation.roll_plan": "RedisRollPlanProvider",
    "components.redis.formation.roll_step": "RedisRollStepProvider",
    "components.redis.starting_password": "StartingPasswordProvider",
    "components.redis.password": "GeneratedPasswordProvider",
}


@pytest.mark.parametrize("module", sorted(PICKLED_PATHS))
def test_a_provider_pickled_under_an_old_module_path_loads_todays(module: str):
    """A stack deployed before diffs, refreshes and deletes with the provider its state names (by module
    path) until its next `up` records the new one: that path must load today's class."""
    import importlib

    provider = getattr(importlib.import_module(module), PICKLED_PATHS[module])
    assert provider.__module__.startswith(("components.redis.resources.", "components.network."))
    # A pickle's reference to a class, as an earlier version wrote it (pickle's GLOBAL opcode).
    assert pickle.loads(f"c{module}\n{PICKLED_PATHS[module]}\n.".encode()) is provider


def test_the_provider_hosts_import_of_a_resource_loads_no_component():
    """Unpickling a provider imports its module and every package above it; their __init__s export lazily, so
    the dynamic provider's host never loads the components (pulumi_docker and all) at its start."""
    code = (
        "import sys, components.redis.resources.formation, components.redis.resources.teardown; "
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_docker', 'components.redis.cluster'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
