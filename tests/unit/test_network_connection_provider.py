"""The NetworkConnection dynamic provider against a fake engine API: create, read, diff, update, delete."""

import base64
from typing import Any, Dict, List

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.engine.client import EngineError, NotFound
from components.network.connection import NetworkConnectionProvider

from .doubles.engine_api import FakeEngine, on_fake_engine
from .preview_inputs import as_check_inputs

CONTAINER_ID = "c" * 64
NETWORK_ID = "n" * 64


@pytest.fixture
def api(engine: FakeEngine) -> FakeEngine:
    """The engine with one container, tomcat01 (on the default bridge), and one network, mynet."""
    engine.add_container("tomcat01", CONTAINER_ID)
    engine.add_network("mynet", network_id=NETWORK_ID)
    return engine


@pytest.fixture
def provider(api: FakeEngine) -> NetworkConnectionProvider:
    return on_fake_engine(NetworkConnectionProvider, api)


def writes(engine: FakeEngine) -> List[str]:
    """The connects and disconnects the engine was asked for: network, container, address, aliases."""
    found = []
    for call, body in zip([c for c in engine.calls if c.startswith("POST")], engine.bodies):
        endpoint = body.get("EndpointConfig") or {}
        found.append(
            f"{call.rsplit('/', 1)[1]} {call.split('/')[2][:4]} {body['Container'][:4]} "
            f"{(endpoint.get('IPAMConfig') or {}).get('IPv4Address')} {endpoint.get('Aliases')}"
        )
    return found


def connect_by_hand(engine: FakeEngine) -> None:
    engine.client().connect(NETWORK_ID, CONTAINER_ID)
    engine.calls.clear()
    engine.bodies.clear()


def props(**overrides: Any) -> Dict[str, Any]:
    return {"container": CONTAINER_ID, "network": NETWORK_ID, "ipv4_address": None, "aliases": [], **overrides}


def test_create_connects_and_reports_the_engines_address(provider, api):
    result = provider.create(props())
    assert result.id == f"{CONTAINER_ID}:{NETWORK_ID}"
    assert result.outs["ip_address"] == "192.168.0.3"
    assert result.outs["network_name"] == "mynet"
    assert result.outs["container_name"] == "tomcat01"
    assert result.outs["container"] == CONTAINER_ID
    assert "mynet" in api.containers[CONTAINER_ID]["NetworkSettings"]["Networks"]
    assert writes(api) == ["connect nnnn cccc None None"]


def test_create_by_names_stores_full_ids_and_passes_static_ip_and_aliases(provider, api):
    result = provider.create(
        props(container="tomcat01", network="mynet", ipv4_address="192.168.0.100", aliases=["web"])
    )
    assert result.id == f"{CONTAINER_ID}:{NETWORK_ID}"
    assert result.outs["ip_address"] == "192.168.0.100"
    assert writes(api) == ["connect nnnn cccc 192.168.0.100 ['web']"]


def test_create_refuses_to_adopt_a_connection_made_by_hand(provider, api):
    connect_by_hand(api)
    with pytest.raises(RuntimeError, match="already connected to network mynet, not by this stack"):
        provider.create(props())


def test_create_fails_clearly_when_the_container_does_not_exist(provider):
    with pytest.raises(NotFound, match="No such container: tomcat99"):
        provider.create(props(container="tomcat99"))


def test_read_reports_the_live_address(provider, api):
    created = provider.create(props())
    api.containers[CONTAINER_ID]["NetworkSettings"]["Networks"]["mynet"]["IPAddress"] = "192.168.0.77"
    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert read.outs["ip_address"] == "192.168.0.77"
    assert read.outs["container"] == CONTAINER_ID


def test_read_reports_a_disconnected_container_as_gone(provider, api):
    created = provider.create(props())
    api.client().disconnect(NETWORK_ID, CONTAINER_ID)
    assert provider.read(created.id, created.outs).id == ""


@pytest.mark.parametrize("removed", ["containers", "networks"])
def test_read_reports_gone_when_container_or_network_was_removed(provider, api, removed):
    created = provider.create(props())
    getattr(api, removed).clear()
    assert provider.read(created.id, created.outs).id == ""


def test_diff_no_change(provider):
    outs = provider.create(props()).outs
    result = provider.diff("x:y", outs, props())
    assert result.changes is False
    assert result.replaces == []


@pytest.mark.parametrize("key", ["container", "network"])
def test_diff_replaces_when_container_or_network_changes(provider, key):
    outs = provider.create(props()).outs
    result = provider.diff("x:y", outs, props(**{key: "other"}))
    assert result.changes is True
    assert result.replaces == [key]
    assert result.delete_before_replace is True


def test_diff_replaces_when_the_container_is_unknown_during_preview(provider):
    outs = provider.create(props()).outs
    assert provider.diff("x:y", outs, props(container=rpc.UNKNOWN)).replaces == ["container"]


def test_diff_updates_in_place_for_a_new_static_ip_or_aliases(provider):
    outs = provider.create(props()).outs
    assert provider.diff("x:y", outs, props(ipv4_address="192.168.0.100")).replaces == []
    assert provider.diff("x:y", outs, props(ipv4_address="192.168.0.100")).changes is True
    assert provider.diff("x:y", outs, props(aliases=["web"])).changes is True
    assert provider.diff("x:y", outs, props(aliases=None)).changes is False


def test_diff_sees_drift_of_a_static_ip_after_refresh(provider):
    outs = provider.create(props(ipv4_address="192.168.0.100")).outs
    outs["ip_address"] = "192.168.0.5"  # what a refresh read after someone reconnected it by hand
    result = provider.diff("x:y", outs, props(ipv4_address="192.168.0.100"))
    assert result.changes is True and result.replaces == []


def test_update_reconnects_the_same_container_with_the_new_address(provider, api):
    created = provider.create(props())
    api.calls.clear()
    api.bodies.clear()
    updated = provider.update(created.id, created.outs, props(ipv4_address="192.168.0.100"))
    assert updated.outs["ip_address"] == "192.168.0.100"
    assert writes(api) == ["disconnect nnnn cccc None None", "connect nnnn cccc 192.168.0.100 None"]
    assert list(api.containers) == [CONTAINER_ID]


def test_delete_disconnects(provider, api):
    created = provider.create(props())
    provider.delete(created.id, created.outs)
    assert "mynet" not in api.containers[CONTAINER_ID]["NetworkSettings"]["Networks"]
    assert "bridge" in api.containers[CONTAINER_ID]["NetworkSettings"]["Networks"]


@pytest.mark.parametrize("gone", ["containers", "networks", "attachment"])
def test_delete_tolerates_what_is_already_gone(provider, api, gone):
    created = provider.create(props())
    if gone == "attachment":
        api.client().disconnect(NETWORK_ID, CONTAINER_ID)
    else:
        getattr(api, gone).clear()
    provider.delete(created.id, created.outs)  # no exception


def test_delete_raises_when_the_engine_refuses_and_the_container_stays_attached(provider, api):
    created = provider.create(props())
    api.refuse[("POST", "disconnect")] = (500, "engine busy")
    with pytest.raises(EngineError, match="engine busy"):
        provider.delete(created.id, created.outs)
    assert "mynet" in api.containers[CONTAINER_ID]["NetworkSettings"]["Networks"]


def test_check_rejects_bad_inputs_and_skips_unknowns(provider):
    failures = provider.check({}, props(container="", ipv4_address="192.168.0.300")).failures
    assert sorted(f.property for f in failures) == ["container", "ipv4_address"]
    assert provider.check({}, props(container=rpc.UNKNOWN, ipv4_address=rpc.UNKNOWN)).failures == []
    # A preview from nothing: the container and the network are not created yet.
    previewed = as_check_inputs(props(container=rpc.UNKNOWN, network=rpc.UNKNOWN, ipv4_address=rpc.UNKNOWN))
    assert provider.check({}, previewed).failures == []


def test_the_provider_pickles_without_clients_and_comes_back_working():
    restored = dill.loads(base64.b64decode(serialize_provider(NetworkConnectionProvider())))
    assert type(restored) is NetworkConnectionProvider
    assert vars(restored) == {}
