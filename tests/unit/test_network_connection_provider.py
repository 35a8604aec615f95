"""The NetworkConnection dynamic provider against a fake engine API: create, read, diff, update, delete."""
import base64
import copy
import ipaddress
from typing import Any, Dict, List, Optional

import dill
import docker.errors
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.providers.network_connection import NetworkConnectionProvider

from .fake_engine_client import on_fake_engine
from .preview_inputs import as_check_inputs

CONTAINER_ID = "c" * 64
NETWORK_ID = "n" * 64


class FakeEngineAPI:
    """The four docker-py low-level calls the provider uses, with the engine's errors."""

    def __init__(self) -> None:
        self.containers: Dict[str, Dict[str, Any]] = {CONTAINER_ID: {
            "Id": CONTAINER_ID, "Name": "/tomcat01",
            "NetworkSettings": {"Networks": {"bridge": {"NetworkID": "b" * 64, "IPAddress": "172.17.0.2"}}}}}
        self.networks: Dict[str, Dict[str, Any]] = {NETWORK_ID: {"Id": NETWORK_ID, "Name": "mynet"}}
        self.calls: List[str] = []
        self._next_host = 2

    def _container(self, ref: str) -> Dict[str, Any]:
        for container in self.containers.values():
            if ref in (container["Id"], container["Name"].lstrip("/")):
                return container
        raise docker.errors.NotFound(f"No such container: {ref}")

    def _network(self, ref: str) -> Dict[str, Any]:
        for network in self.networks.values():
            if ref in (network["Id"], network["Name"]):
                return network
        raise docker.errors.NotFound(f"network {ref} not found")

    def inspect_container(self, ref: str) -> Dict[str, Any]:
        return copy.deepcopy(self._container(ref))

    def inspect_network(self, ref: str) -> Dict[str, Any]:
        return copy.deepcopy(self._network(ref))

    def connect_container_to_network(self, container: str, net_id: str, ipv4_address: Optional[str] = None,
                                     aliases: Optional[List[str]] = None) -> None:
        self.calls.append(f"connect {container[:4]} {net_id[:4]} {ipv4_address} {aliases}")
        found, network = self._container(container), self._network(net_id)
        if network["Name"] in found["NetworkSettings"]["Networks"]:
            raise docker.errors.APIError("endpoint with name tomcat01 already exists in network mynet")
        if ipv4_address is None:
            self._next_host += 1
        address = ipv4_address or str(ipaddress.IPv4Address("192.168.0.0") + self._next_host)
        found["NetworkSettings"]["Networks"][network["Name"]] = {
            "NetworkID": network["Id"], "IPAddress": address, "MacAddress": "02:42:c0:a8:00:02"}

    def disconnect_container_from_network(self, container: str, net_id: str) -> None:
        self.calls.append(f"disconnect {container[:4]} {net_id[:4]}")
        found, network = self._container(container), self._network(net_id)
        if found["NetworkSettings"]["Networks"].pop(network["Name"], None) is None:
            raise docker.errors.APIError(f"container {container} is not connected to network {network['Name']}")


@pytest.fixture
def api() -> FakeEngineAPI:
    return FakeEngineAPI()


@pytest.fixture
def provider(api: FakeEngineAPI) -> NetworkConnectionProvider:
    return on_fake_engine(NetworkConnectionProvider, api)


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
    assert provider.client.closed == 1


def test_create_by_names_stores_full_ids_and_passes_static_ip_and_aliases(provider, api):
    result = provider.create(props(container="tomcat01", network="mynet", ipv4_address="192.168.0.100",
                                   aliases=["web"]))
    assert result.id == f"{CONTAINER_ID}:{NETWORK_ID}"
    assert result.outs["ip_address"] == "192.168.0.100"
    assert api.calls == ["connect cccc nnnn 192.168.0.100 ['web']"]


def test_create_refuses_to_adopt_a_connection_made_by_hand(provider, api):
    api.connect_container_to_network(CONTAINER_ID, NETWORK_ID)
    with pytest.raises(RuntimeError, match="already connected to network mynet, not by this stack"):
        provider.create(props())


def test_create_fails_clearly_when_the_container_does_not_exist(provider):
    with pytest.raises(docker.errors.NotFound):
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
    api.disconnect_container_from_network(CONTAINER_ID, NETWORK_ID)
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
    updated = provider.update(created.id, created.outs, props(ipv4_address="192.168.0.100"))
    assert updated.outs["ip_address"] == "192.168.0.100"
    assert api.calls == ["disconnect cccc nnnn", "connect cccc nnnn 192.168.0.100 None"]
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
        api.disconnect_container_from_network(CONTAINER_ID, NETWORK_ID)
    else:
        getattr(api, gone).clear()
    provider.delete(created.id, created.outs)  # no exception


def test_delete_raises_when_the_engine_refuses_and_the_container_stays_attached(provider, api):
    created = provider.create(props())

    def refuse(container: str, net_id: str) -> None:
        raise docker.errors.APIError("engine busy")
    api.disconnect_container_from_network = refuse  # type: ignore[method-assign]
    with pytest.raises(docker.errors.APIError, match="engine busy"):
        provider.delete(created.id, created.outs)


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
