"""DockerNetwork: `docker network create --driver bridge --subnet ...` as a resource, through the engine API.

pulumi-docker's Network waits a fixed 2 s after each create, delete and read of a network (its upstream
Terraform provider polls with a 2 s initial delay). Every container waits for its network, so that
wait was a quarter of `pulumi up -s redis` and, on delete, of `pulumi destroy`. This provider creates,
reads and removes the network through the engine's API (components.engine.client) and returns as soon as the engine has
answered.

An engine network cannot be changed in place, so any change of its settings is a replacement, old one
first (the name is fixed).
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult

from components.engine.client import EngineClient, EngineError, NotFound
from components.engine.provider import EngineProvider
from components.network.addressing import ipv4_pools
from components.unknowns import is_unknown

SETTING_KEYS = ("name", "driver", "subnet", "gateway", "ip_range", "labels")
TYPE_TOKEN = "pulumi-python:dynamic/docker-networking:Network"


class DockerNetworkProvider(EngineProvider):
    """Create, read, diff and delete one engine network."""

    def check(self, _olds: Dict[str, Any], news: Dict[str, Any]) -> CheckResult:
        failures = []
        for key in ("name", "subnet"):
            value = news.get(key)
            if not is_unknown(value) and (not isinstance(value, str) or not value):
                failures.append(CheckFailure(key, f"'{key}' must be a non-empty string"))
        return CheckResult(news, failures)

    def create(self, props: Dict[str, Any]) -> CreateResult:
        with self._client() as client:
            try:
                network_id = client.create_network(
                    props["name"],
                    driver=props.get("driver") or "bridge",
                    subnet=props["subnet"],
                    gateway=props.get("gateway") or None,
                    ip_range=props.get("ip_range") or None,
                    labels=props.get("labels") or {},
                )
            except EngineError as error:
                raise RuntimeError(
                    f"the engine refused to create network {props['name']!r}: {error.message}. "
                    f"If a network of that name exists and is not this stack's, remove it "
                    f"(docker network rm {props['name']}) or choose another network name"
                ) from None
            network = client.network(network_id)
        return CreateResult(network["Id"], network_outputs(network))

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        """The live network; an empty ID when it is gone, so a refresh drops it from the state."""
        try:
            with self._client() as client:
                network = client.network(id_)
        except NotFound:
            return ReadResult("", {})
        return ReadResult(network["Id"], network_outputs(network))

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        # olds are the outputs last seen on the engine, so a refresh that found drift shows here too.
        replaces = [key for key in SETTING_KEYS if _normalized(key, olds.get(key)) != _normalized(key, news.get(key))]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=True)

    def delete(self, id_: str, props: Dict[str, Any]) -> None:
        with self._client() as client:
            try:
                client.remove_network(id_)
            except NotFound:
                return  # already removed by hand: nothing left to do
            except EngineError:
                attached = attached_containers(client, id_)
                if not attached:
                    raise
                name = props.get("name") or id_[:12]
                raise RuntimeError(
                    f"network {name} still has containers attached that this stack did not remove: "
                    f"{', '.join(attached)}. Disconnect or remove them "
                    f"(docker network disconnect {name} {attached[0]}), then run the command again"
                ) from None


def attached_containers(client: EngineClient, network_id: str) -> List[str]:
    try:
        containers = client.network(network_id).get("Containers") or {}
    except NotFound:
        return []
    return sorted(str(c.get("Name") or cid[:12]) for cid, c in containers.items())


def network_outputs(network: Mapping[str, Any]) -> Dict[str, Any]:
    """The settings as the engine reports them (the first IPv4 pool of its IPAM config)."""
    pools = ipv4_pools((network.get("IPAM") or {}).get("Config"))
    pool: Mapping[str, Any] = pools[0][1] if pools else {}
    return {
        "name": network.get("Name", ""),
        "driver": network.get("Driver", ""),
        "subnet": pool.get("Subnet", ""),
        "gateway": pool.get("Gateway", ""),
        "ip_range": pool.get("IPRange") or None,
        "labels": dict(network.get("Labels") or {}),
    }


def _normalized(key: str, value: Any) -> Any:
    if key == "labels":
        return dict(value or {})
    return value or None


@dataclass(frozen=True)
class DockerNetworkArgs:
    name: str
    subnet: str
    gateway: str
    ip_range: Optional[str] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    driver: str = "bridge"


class DockerNetwork(pulumi.dynamic.Resource, module="docker-networking", name="Network"):
    """An engine network. Its resource ID is the engine's network ID."""

    name: pulumi.Output[str]
    driver: pulumi.Output[str]
    subnet: pulumi.Output[str]
    gateway: pulumi.Output[str]
    ip_range: pulumi.Output[Optional[str]]
    labels: pulumi.Output[Dict[str, str]]

    def __init__(
        self, resource_name: str, args: DockerNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        props = {
            "name": args.name,
            "driver": args.driver,
            "subnet": args.subnet,
            "gateway": args.gateway,
            "ip_range": args.ip_range,
            "labels": dict(args.labels),
        }
        # The name is fixed, so a replacement must remove the old network before creating the new one.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))
        super().__init__(DockerNetworkProvider(), resource_name, props, opts)
