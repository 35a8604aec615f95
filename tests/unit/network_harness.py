"""Running the Tomcat scenarios under Pulumi mocks, with a fake engine and a fake network inventory.

The fake engine hands out addresses the way the real one does (the subnet's next free host address,
or the static IP asked for) and random host ports from 32768, so tests can assert concrete values.
"""
import hashlib
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

from components.engine.inventory import EngineNetwork, HostRoute
from components.network.provider import TYPE_TOKEN as NETWORK_TYPE

DOCKER0_SUBNET = "172.17.0.0/16"
# Registrations arrive in no fixed order, so the fake engine's dynamic addresses and ports go by
# name: a container's host offset in its network's subnet, and its host port for a random one.
HOST_OFFSETS = {"tomcat01": 2, "tomcat02": 3, "tomcat03": 4, "tomcat-net-01": 2, "tomcat-net-02": 3}
CONNECTION_OFFSET = 100
RANDOM_PORTS = {"tomcat01": 32768, "tomcat02": 32769, "tomcat03": 32770, "tomcat-net-01": 32771,
                "tomcat-net-02": 32772}


@dataclass
class FakeInventory:
    """What the overlap check sees instead of the live engine and /proc/net/route."""
    networks: List[EngineNetwork] = field(default_factory=lambda: [
        EngineNetwork(name="bridge", id="b" * 64, subnets=(ipaddress.IPv4Network(DOCKER0_SUBNET),))])
    routes: List[HostRoute] = field(default_factory=list)
    calls: int = 0

    def engine_networks(self) -> List[EngineNetwork]:
        self.calls += 1
        return list(self.networks)

    def host_routes(self) -> List[HostRoute]:
        return list(self.routes)


def fake_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


class FakeEngine(Mocks):
    """Answers resource registrations and the getNetwork lookup like a small Docker engine."""

    def __init__(self) -> None:
        # docker0, and a `mynet` made outside the program for components tested on their own.
        self.subnets: Dict[str, ipaddress.IPv4Network] = {"bridge": ipaddress.IPv4Network(DOCKER0_SUBNET),
                                                          "mynet": ipaddress.IPv4Network("192.168.0.0/16")}
        self.network_ids: Dict[str, str] = {fake_id("bridge"): "bridge"}

    def call(self, args: MockCallArgs) -> Tuple[dict, Optional[List[Tuple[str, str]]]]:
        if args.token == "docker:index/getNetwork:getNetwork" and args.args.get("name") == "bridge":
            return {"id": fake_id("bridge"), "name": "bridge", "driver": "bridge", "scope": "local",
                    "internal": False, "options": {}, "containers": [],
                    "ipamConfigs": [{"subnet": DOCKER0_SUBNET}]}, []
        raise AssertionError(f"unexpected call {args.token} {args.args}")

    def new_resource(self, args: MockResourceArgs) -> Tuple[Optional[str], dict]:
        inputs = dict(args.inputs)
        if args.typ == "docker:index/remoteImage:RemoteImage":
            image_id = "sha256:" + fake_id(inputs["name"])
            return image_id + inputs["name"], {**inputs, "imageId": image_id, "repoDigest": ""}
        if args.typ == NETWORK_TYPE:
            network_id = fake_id(inputs["name"])
            self.subnets[inputs["name"]] = ipaddress.IPv4Network(inputs["subnet"])
            self.network_ids[network_id] = inputs["name"]
            return network_id, inputs
        if args.typ == "docker:index/container:Container":
            return fake_id(inputs["name"]), self._container_state(inputs)
        if args.typ.endswith("dynamic/docker-networking:NetworkConnection"):
            network_name = self.network_ids[inputs["network"]]
            address = self._address(network_name, inputs.get("ipv4_address"), CONNECTION_OFFSET)
            return f"{inputs['container']}:{inputs['network']}", {
                **inputs, "container_id": inputs["container"], "network_id": inputs["network"],
                "network_name": network_name, "ip_address": address, "mac_address": "02:42:c0:a8:00:64"}
        return (fake_id(args.name) if args.custom else ""), inputs

    def _container_state(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        attachments = inputs.get("networksAdvanced") or [{"name": inputs.get("networkMode") or "bridge"}]
        offset = _tutorial_value(HOST_OFFSETS, inputs["name"])
        network_data = [{"networkName": a["name"], "ipAddress": self._address(a["name"], a.get("ipv4Address"), offset),
                         "ipPrefixLength": self.subnets[a["name"]].prefixlen} for a in attachments]
        ports = [{**port, "external": port.get("external") or _tutorial_value(RANDOM_PORTS, inputs["name"])}
                 for port in inputs.get("ports") or []]
        return {**inputs, "networkDatas": network_data, "ports": ports, "hosts": inputs.get("hosts") or []}

    def _address(self, network: str, static: Optional[str], offset: int) -> str:
        return static or str(self.subnets[network].network_address + offset)


def _tutorial_value(by_name: Dict[str, int], engine_name: str) -> int:
    """The value for a container's tutorial name, whatever `namePrefix` went before it."""
    name = max((name for name in by_name if engine_name.endswith(name)), key=len)
    return by_name[name]


class RecordingMonitor(MockMonitor):
    """The mock monitor, also remembering each resource's parent URN."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.parents: Dict[str, str] = {}
        self.order: List[str] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.parents[response.urn] = request.parent
            self.order.append(response.urn)
        return response


@dataclass
class Registered:
    urn: str
    type: str
    name: str
    parent: str
    state: Dict[str, Any]


@dataclass
class Deployment:
    """What a program registered (in the order the mock engine saw it) and its resolved stack outputs."""
    resources: List[Registered]
    outputs: Dict[str, Any]

    def of_type(self, type_suffix: str) -> List[Registered]:
        return [r for r in self.resources if r.type.endswith(type_suffix)]

    def named(self, name: str, type_suffix: str = "") -> Registered:
        found = [r for r in self.resources if r.name == name and r.type.endswith(type_suffix)]
        assert len(found) == 1, f"{len(found)} resources named {name}: {[r.urn for r in self.resources]}"
        return found[0]

    def containers(self) -> Dict[str, Registered]:
        return {r.state["name"]: r for r in self.of_type("docker:index/container:Container")}


def _settings_config(config: Dict[str, Any]) -> Dict[str, str]:
    return {(key if ":" in key else f"docker-networking:{key}"):
            json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
            for key, value in config.items()}


def run_program(program: Callable[[], None], config: Dict[str, Any], stack: str = "test",
                expect: Optional[type] = None) -> Tuple[Deployment, Optional[BaseException]]:
    """Run `program` under mocks with `config`; waits for every registration and output.

    With `expect`, the program must raise that exception type; it is returned with what was
    registered (which must then be nothing, for validation errors).
    """
    engine = FakeEngine()
    monitor = RecordingMonitor(engine)
    runtime_settings.ROOT.set(None)  # a fresh Stack resource for each run, so outputs don't leak
    pulumi.runtime.set_mocks(engine, project="docker-networking", stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(_settings_config(config))
    outputs: Dict[str, Any] = {}
    raised: List[BaseException] = []

    @pulumi.runtime.test
    def body() -> Any:
        try:
            program()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            if expect is None or not isinstance(error, expect):
                raise
            raised.append(error)
            return None
        root = runtime_settings.get_root_resource()
        return pulumi.Output.from_input(dict(root.outputs)).apply(outputs.update)  # type: ignore[union-attr]

    body()
    if expect is not None and not raised:
        raise AssertionError(f"expected {expect.__name__}, nothing was raised")
    resources = []
    for urn in monitor.order:
        registration = monitor.resources[urn]
        type_ = urn.split("::")[2].split("$")[-1]
        resources.append(Registered(urn=urn, type=type_, name=urn.split("::")[-1],
                                    parent=monitor.parents[urn], state=dict(registration.state)))
    return Deployment(resources=resources, outputs=outputs), (raised[0] if raised else None)
