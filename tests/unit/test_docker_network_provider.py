"""The DockerNetwork dynamic provider against a fake engine API: create, read, diff, delete."""

import base64
from typing import Any, Dict

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.engine.client import EngineError
from components.network.provider import DockerNetworkProvider, network_outputs

from .doubles.engine_api import FakeEngine, on_fake_engine
from .preview_inputs import as_check_inputs

LABELS = {"io.docker-networking.project": "docker-networking", "io.docker-networking.stack": "redis"}


@pytest.fixture
def provider(engine: FakeEngine) -> DockerNetworkProvider:
    return on_fake_engine(DockerNetworkProvider, engine)


def props(**overrides: Any) -> Dict[str, Any]:
    return {
        "name": "redis",
        "driver": "bridge",
        "subnet": "10.38.0.0/24",
        "gateway": "10.38.0.1",
        "ip_range": None,
        "labels": dict(LABELS),
        **overrides,
    }


def test_create_makes_the_network_and_reports_it_as_the_engine_sees_it(provider, engine):
    result = provider.create(props(ip_range="10.38.0.128/25"))
    assert result.id in engine.networks
    assert result.outs == props(ip_range="10.38.0.128/25")
    assert engine.bodies == [
        {
            "Name": "redis",
            "Driver": "bridge",
            "CheckDuplicate": True,
            "Labels": LABELS,
            "IPAM": {
                "Driver": "default",
                "Config": [{"Subnet": "10.38.0.0/24", "Gateway": "10.38.0.1", "IPRange": "10.38.0.128/25"}],
            },
        }
    ]


def test_create_names_the_fix_when_the_name_is_taken(provider, engine):
    engine.add_network("redis")
    with pytest.raises(RuntimeError) as failure:
        provider.create(props())
    assert "network with name redis already exists" in str(failure.value)
    assert "docker network rm redis" in str(failure.value)


def test_read_reports_the_live_network_and_gone_when_removed(provider, engine):
    created = provider.create(props())
    assert provider.read(created.id, created.outs).outs == props()
    del engine.networks[created.id]
    gone = provider.read(created.id, created.outs)
    assert (gone.id, gone.outs) == ("", {})


def test_diff_no_change_even_when_unset_values_are_spelled_differently(provider):
    result = provider.diff("id", props(ip_range=None), props(ip_range=""))
    assert result.changes is False and result.replaces == []


@pytest.mark.parametrize(
    "key,value",
    [
        ("name", "other"),
        ("subnet", "10.39.0.0/24"),
        ("gateway", "10.38.0.254"),
        ("ip_range", "10.38.0.0/25"),
        ("labels", {"team": "docs"}),
    ],
)
def test_any_change_is_a_replacement_old_one_first(provider, key, value):
    result = provider.diff("id", props(), props(**{key: value}))
    assert result.changes is True and result.replaces == [key]
    assert result.delete_before_replace is True


def test_diff_sees_drift_found_by_a_refresh(provider):
    # The engine's network was replaced by hand with another subnet: olds are what the refresh read.
    result = provider.diff("id", props(subnet="10.99.0.0/24"), props())
    assert result.replaces == ["subnet"]


def test_diff_replaces_when_a_setting_is_unknown_during_preview(provider):
    assert provider.diff("id", props(), props(name=rpc.UNKNOWN)).replaces == ["name"]


def test_delete_removes_and_tolerates_a_network_already_gone(provider, engine):
    created = provider.create(props())
    provider.delete(created.id, created.outs)
    assert engine.networks == {}
    provider.delete(created.id, created.outs)  # removed by hand meanwhile: nothing to do


def test_delete_names_the_containers_still_attached(provider, engine):
    created = provider.create(props())
    engine.networks[created.id]["Containers"] = {"c" * 64: {"Name": "tomcat01"}}
    with pytest.raises(RuntimeError) as failure:
        provider.delete(created.id, created.outs)
    assert "tomcat01" in str(failure.value)
    assert "docker network disconnect redis tomcat01" in str(failure.value)
    assert created.id in engine.networks


def test_delete_passes_on_a_refusal_it_cannot_explain(provider, engine):
    created = provider.create(props())
    engine.refuse[("DELETE", created.id)] = (500, "engine busy")
    with pytest.raises(EngineError, match="engine busy"):
        provider.delete(created.id, created.outs)
    assert created.id in engine.networks


def test_check_rejects_a_missing_name_or_subnet_and_skips_unknowns(provider):
    assert sorted(f.property for f in provider.check({}, props(name="", subnet=None)).failures) == ["name", "subnet"]
    assert provider.check({}, props(name=rpc.UNKNOWN)).failures == []
    assert provider.check({}, as_check_inputs(props(name=rpc.UNKNOWN, subnet=rpc.UNKNOWN))).failures == []


def test_outputs_take_the_ipv4_pool_of_a_dual_stack_network():
    network = {
        "Name": "n",
        "Driver": "bridge",
        "Labels": None,
        "IPAM": {
            "Config": [{"Subnet": "fd00::/64", "Gateway": "fd00::1"}, {"Subnet": "10.1.0.0/24", "Gateway": "10.1.0.1"}]
        },
    }
    outs = network_outputs(network)
    assert (outs["subnet"], outs["gateway"], outs["ip_range"], outs["labels"]) == ("10.1.0.0/24", "10.1.0.1", None, {})


def test_the_provider_pickles_without_clients_and_comes_back_working():
    restored = dill.loads(base64.b64decode(serialize_provider(DockerNetworkProvider())))
    assert type(restored) is DockerNetworkProvider
    assert vars(restored) == {}
