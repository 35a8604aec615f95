"""NetworkConnection: `docker network connect NETWORK CONTAINER` on a running container, as a resource.

pulumi-docker replaces a container whenever its list of networks changes, but the tutorial's point
is that a running container joins a second network without a restart. This dynamic provider connects
and disconnects through the engine API (components.engine.client) and leaves the container otherwise untouched.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components.engine.client import EngineClient, EngineError, NotFound
from components.engine.provider import EngineProvider
from components.unknowns import is_unknown

# The resource's identity: changing either means another attachment, so a replacement.
IDENTITY_KEYS = ("container", "network")
# How the attachment is configured: changed in place by reconnecting.
SETTING_KEYS = ("ipv4_address", "aliases")
OUTPUT_KEYS = ("container_id", "container_name", "network_id", "network_name", "ip_address", "mac_address")


class NetworkConnectionProvider(EngineProvider):
    """Create, read, diff, update and delete one container's attachment to one network."""

    def check(self, _olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        failures = []
        for key in IDENTITY_KEYS:
            value = news.get(key)
            if not is_unknown(value) and (not isinstance(value, str) or not value):
                failures.append(CheckFailure(key, f"'{key}' must be the name or ID of an existing {key}"))
        address = news.get("ipv4_address")
        if address not in (None, "") and not is_unknown(address):
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                failures.append(CheckFailure("ipv4_address", f"{address!r} is not an IPv4 address"))
        return CheckResult(news, failures)

    def create(self, props: Dict[str, Any]) -> CreateResult:
        with self._client() as client:
            container = client.container(props["container"])
            network = client.network(props["network"])
            if find_endpoint(container, network["Id"]) is not None:
                # Adopting it would make `destroy` disconnect something this stack did not connect.
                raise RuntimeError(
                    f"container {container_name(container)} is already connected to network "
                    f"{network['Name']}, not by this stack: disconnect it first "
                    f"(docker network disconnect {network['Name']} {container_name(container)})"
                )
            outs = self._connect(client, props, container["Id"], network["Id"])
        return CreateResult(attachment_id(outs["container_id"], outs["network_id"]), outs)

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        """The live attachment; an empty ID when the container, the network or the attachment is gone."""
        container_id, network_id = split_attachment_id(id_)
        try:
            with self._client() as client:
                container = client.container(container_id)
                network = client.network(network_id)
        except NotFound:
            return ReadResult("", {})
        endpoint = find_endpoint(container, network["Id"])
        if endpoint is None:
            return ReadResult("", {})
        return ReadResult(id_, attachment_outputs(props, container, network, endpoint))

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        replaces = [key for key in IDENTITY_KEYS if olds.get(key) != news.get(key)]
        changed = [key for key in SETTING_KEYS if _normalized(olds.get(key)) != _normalized(news.get(key))]
        wanted_ip = news.get("ipv4_address")
        if wanted_ip and "ipv4_address" not in changed and olds.get("ip_address") != wanted_ip:
            changed.append("ipv4_address")  # drift found by a refresh: reconnect with the asked address
        # Delete first: a replacement that names the same container and network in another way
        # (a name instead of an ID) must not connect twice and then disconnect the new attachment.
        return DiffResult(changes=bool(replaces or changed), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, _olds: Dict[str, Any], news: Dict[str, Any]) -> UpdateResult:
        """Same container and network, other settings: the engine can only disconnect and reconnect."""
        container_id, network_id = split_attachment_id(id_)
        with self._client() as client:
            self._disconnect(client, container_id, network_id)
            return UpdateResult(self._connect(client, news, container_id, network_id))

    def delete(self, id_: str, _props: Dict[str, Any]) -> None:
        container_id, network_id = split_attachment_id(id_)
        with self._client() as client:
            self._disconnect(client, container_id, network_id)

    def _connect(
        self, client: EngineClient, props: Dict[str, Any], container_id: str, network_id: str
    ) -> Dict[str, Any]:
        client.connect(
            network_id,
            container_id,
            ipv4_address=props.get("ipv4_address") or None,
            aliases=list(props.get("aliases") or []),
        )
        container = client.container(container_id)
        network = client.network(network_id)
        endpoint = find_endpoint(container, network["Id"])
        if endpoint is None:
            raise RuntimeError(
                f"the engine accepted the connection of {container_name(container)} "
                f"to {network['Name']} but does not show it"
            )
        return attachment_outputs(props, container, network, endpoint)

    def _disconnect(self, client: EngineClient, container_id: str, network_id: str) -> None:
        """Disconnect; a container or network already removed, or already disconnected, is fine."""
        try:
            client.disconnect(network_id, container_id)
        except NotFound:
            return
        except EngineError:
            container = client.container(container_id)
            if find_endpoint(container, network_id) is not None:
                raise


def attachment_id(container_id: str, network_id: str) -> str:
    return f"{container_id}:{network_id}"


def split_attachment_id(id_: str) -> Tuple[str, str]:
    container_id, _, network_id = id_.partition(":")
    if not container_id or not network_id:
        raise ValueError(f"{id_!r} is not a NetworkConnection ID (container-id:network-id)")
    return container_id, network_id


def container_name(container: Dict[str, Any]) -> str:
    return str(container.get("Name", "")).lstrip("/") or container["Id"][:12]


def find_endpoint(container: Dict[str, Any], network_id: str) -> Optional[Dict[str, Any]]:
    """The container's endpoint on the network with this full ID, if it is attached."""
    networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
    for endpoint in networks.values():
        if endpoint.get("NetworkID") == network_id:
            return endpoint
    return None


def attachment_outputs(
    props: Dict[str, Any], container: Dict[str, Any], network: Dict[str, Any], endpoint: Dict[str, Any]
) -> Dict[str, Any]:
    """The inputs as given plus what the engine reports about the attachment."""
    outs = {key: props.get(key) for key in IDENTITY_KEYS + SETTING_KEYS}
    outs.update(
        container_id=container["Id"],
        container_name=container_name(container),
        network_id=network["Id"],
        network_name=network["Name"],
        ip_address=endpoint.get("IPAddress") or "",
        mac_address=endpoint.get("MacAddress") or "",
    )
    return outs


def _normalized(value: Any) -> Any:
    """None, "" and [] all mean "not set"; the order of aliases does not matter."""
    if isinstance(value, (list, tuple)):
        return sorted(value) or None
    return value or None


@dataclass(frozen=True)
class NetworkConnectionArgs:
    """`container` and `network`: a name or an ID. Pass the container resource's `id`, so a replaced
    container is connected again; `ipv4_address` and `aliases` are optional, as with
    `docker network connect --ip ... --alias ...`."""

    container: pulumi.Input[str]
    network: pulumi.Input[str]
    ipv4_address: Optional[pulumi.Input[str]] = None
    aliases: Sequence[str] = ()


class NetworkConnection(pulumi.dynamic.Resource, module="docker-networking", name="NetworkConnection"):
    """A running container attached to one more network, without recreating or restarting it."""

    container_id: pulumi.Output[str]
    container_name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    ip_address: pulumi.Output[str]
    mac_address: pulumi.Output[str]

    def __init__(
        self, resource_name: str, args: NetworkConnectionArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        props: Dict[str, Any] = {
            "container": args.container,
            "network": args.network,
            "ipv4_address": args.ipv4_address,
            "aliases": list(args.aliases),
        }
        props.update({key: None for key in OUTPUT_KEYS})
        super().__init__(NetworkConnectionProvider(), resource_name, props, opts)
