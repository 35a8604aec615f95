"""A Pulumi program under mocks: one Mocks class for every resource type the project registers, one
monitor that records each registration as the SDK sent it, and run_program, which runs a program with
them and hands back what it registered (a Deployment).

ProjectMocks answers like a small Docker engine: a network records its subnet, a container gets the
address the engine would give it (the static IP asked for, else a fixed host offset by the container's
name) and a random host port from 32768 when none is fixed, so tests can assert concrete values; the
dynamic resources answer as their providers would (a generated password, a healthy formation). `kept`
stands for the state of an earlier `up`: the outputs the engine keeps for a resource whatever its inputs
say now (as `ignore_changes` does).
"""

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar, overload

import pulumi
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

from components.network.provider import TYPE_TOKEN as NETWORK_TYPE

from .inventory import DOCKER0_SUBNET

CONTAINER_TYPE = "docker:index/container:Container"
IMAGE_TYPE = "docker:index/remoteImage:RemoteImage"
DOCKER_NETWORK_TYPE = "docker:index/network:Network"  # pulumi-docker's own: the Swarm stacks' overlays
CONNECTION_TYPE = "pulumi-python:dynamic/docker-networking:NetworkConnection"
PASSWORD_TYPE = "pulumi-python:dynamic/random:GeneratedPassword"
FORMATION_TYPE = "pulumi-python:dynamic/redis:Formation"
SLOT_SEED_TYPE = "pulumi-python:dynamic/redis:SlotSeed"
LIVE_SETTINGS_TYPE = "pulumi-python:dynamic/redis:LiveSettings"
STARTING_PASSWORD_TYPE = "pulumi-python:dynamic/redis:StartingPassword"

GENERATED_PASSWORD = "generated-password"
# Registrations arrive in no fixed order, so the fake engine's dynamic addresses and ports go by
# name: a container's host offset in its network's subnet, and its host port for a random one.
HOST_OFFSETS = {
    "tomcat01": 2,
    "tomcat02": 3,
    "tomcat03": 4,
    "tomcat-net-01": 2,
    "tomcat-net-02": 3,
    "tomcat-reference": 2,
    "tomcat-bridge": 3,
}
CONNECTION_OFFSET = 100
RANDOM_PORTS = {
    "tomcat01": 32768,
    "tomcat02": 32769,
    "tomcat03": 32770,
    "tomcat-net-01": 32771,
    "tomcat-net-02": 32772,
    "tomcat-reference": 32773,
    "tomcat-bridge": 32774,
}


def fake_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


class ProjectMocks(Mocks):
    """Answers every registration of the project's resources, and the getNetwork lookup of docker0."""

    def __init__(self, kept: Optional[Dict[str, Dict[str, Any]]] = None) -> None:
        self.kept = kept or {}  # resource name -> outputs an earlier `up` left in the state
        # docker0, and a `mynet` made outside the program for components tested on their own.
        self.subnets: Dict[str, ipaddress.IPv4Network] = {
            "bridge": ipaddress.IPv4Network(DOCKER0_SUBNET),
            "mynet": ipaddress.IPv4Network("192.168.0.0/16"),
        }
        self.network_ids: Dict[str, str] = {fake_id("bridge"): "bridge"}

    def call(self, args: MockCallArgs) -> Tuple[dict, Optional[List[Tuple[str, str]]]]:
        if args.token == "docker:index/getNetwork:getNetwork" and args.args.get("name") == "bridge":
            return {
                "id": fake_id("bridge"),
                "name": "bridge",
                "driver": "bridge",
                "scope": "local",
                "internal": False,
                "options": {},
                "containers": [],
                "ipamConfigs": [{"subnet": DOCKER0_SUBNET}],
            }, []
        raise AssertionError(f"the program made a call the fake engine does not know: {args.token} {args.args}")

    def new_resource(self, args: MockResourceArgs) -> Tuple[Optional[str], dict]:
        if args.name in self.kept:
            return fake_id(args.name), {**args.inputs, **self.kept[args.name]}
        inputs = dict(args.inputs)
        if args.typ == IMAGE_TYPE:
            image_id = "sha256:" + fake_id(inputs["name"])
            return image_id + inputs["name"], {**inputs, "imageId": image_id, "repoDigest": ""}
        if args.typ == NETWORK_TYPE:
            network_id = fake_id(inputs["name"])
            self.subnets[inputs["name"]] = ipaddress.IPv4Network(inputs["subnet"])
            self.network_ids[network_id] = inputs["name"]
            return network_id, inputs
        if args.typ == DOCKER_NETWORK_TYPE:
            network_id = fake_id(inputs["name"])
            self.subnets[inputs["name"]] = ipaddress.IPv4Network(inputs["ipamConfigs"][0]["subnet"])
            self.network_ids[network_id] = inputs["name"]
            return network_id, {**inputs, "scope": "swarm" if inputs.get("driver") == "overlay" else "local"}
        if args.typ == CONTAINER_TYPE:
            return fake_id(inputs["name"]), self._container_state(inputs)
        if args.typ == CONNECTION_TYPE:
            network_name = self.network_ids[inputs["network"]]
            address = self._address(network_name, inputs.get("ipv4_address"), lambda: CONNECTION_OFFSET)
            return f"{inputs['container']}:{inputs['network']}", {
                **inputs,
                "container_id": inputs["container"],
                "network_id": inputs["network"],
                "network_name": network_name,
                "ip_address": address,
                "mac_address": "02:42:c0:a8:00:64",
            }
        if args.typ == PASSWORD_TYPE:
            return fake_id(args.name), {**inputs, "result": GENERATED_PASSWORD}
        if args.typ == FORMATION_TYPE:
            return fake_id(args.name), {
                **inputs,
                "healthy": True,
                "problems": [],
                "live": {"redis-1": {"role": "master", "master": None, "slots": ["0-5461"]}},
            }
        return (fake_id(args.name) if args.custom else ""), inputs

    def _container_state(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        mode = inputs.get("networkMode") or "bridge"
        # `container:<id>` shares another container's endpoints: the engine reports none of its own.
        attachments = inputs.get("networksAdvanced") or ([] if mode.startswith("container:") else [{"name": mode}])
        network_data = [self._endpoint(a, inputs["name"]) for a in attachments]
        ports = [
            {**port, "external": port.get("external") or _tutorial_value(RANDOM_PORTS, inputs["name"])}
            for port in inputs.get("ports") or []
        ]
        return {**inputs, "networkDatas": network_data, "ports": ports, "hosts": inputs.get("hosts") or []}

    def _endpoint(self, attachment: Dict[str, Any], container: str) -> Dict[str, Any]:
        network = attachment["name"]
        if network not in self.subnets:  # `host` and `none`: an endpoint with no address, as the engine's
            return {"networkName": network, "ipAddress": "", "ipPrefixLength": 0, "macAddress": ""}
        address = self._address(
            network, attachment.get("ipv4Address"), lambda: _tutorial_value(HOST_OFFSETS, container)
        )
        mac = "02:42:" + ":".join(f"{octet:02x}" for octet in ipaddress.IPv4Address(address).packed)
        return {
            "networkName": network,
            "ipAddress": address,
            "ipPrefixLength": self.subnets[network].prefixlen,
            "macAddress": mac,
        }

    def _address(self, network: str, static: Optional[str], offset: Callable[[], int]) -> str:
        # The offset is asked for only when the engine picks: a container with a static IP needs none.
        return static or str(self.subnets[network].network_address + offset())


def _tutorial_value(by_name: Dict[str, int], engine_name: str) -> int:
    """The value for a container's tutorial name, whatever `namePrefix` went before it."""
    names = [name for name in by_name if engine_name.endswith(name)]
    assert names, f"the fake engine has no address or port for the container {engine_name!r}: add it to {by_name}"
    return by_name[max(names, key=len)]


class RecordingMonitor(MockMonitor):
    """The mock monitor, also keeping every registration request as the SDK sent it, and its URN, in order."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.requests: List[Any] = []
        self.urns: List[str] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.requests.append(request)
            self.urns.append(response.urn)
        return response


@dataclass(frozen=True)
class Secret:
    """An input the SDK sent marked secret: Pulumi keeps it encrypted in the state and hidden in output."""

    value: Any


def _plain(value: Any) -> Any:
    """An input as sent on the wire, in plain Python: secrets wrapped in Secret, whole numbers as ints."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return Secret(_plain(value.get("value")))
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Registered:
    """One registration: what the program asked for (inputs and options) and what the mocks answered."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: Dict[str, Any]  # as sent: secrets as Secret, values not known yet left out
    state: Dict[str, Any]  # the mocks' answer: the inputs (secrets unwrapped) and what the engine computed
    dependencies: List[str] = field(default_factory=list)  # URNs of depends_on and of the inputs' resources
    property_dependencies: Dict[str, List[str]] = field(default_factory=dict)  # input -> URNs it depends on
    aliases: List[Dict[str, Any]] = field(default_factory=list)  # alias specs: name, type, parentUrn, ...
    delete_before_replace: bool = False
    additional_secret_outputs: List[str] = field(default_factory=list)
    ignore_changes: List[str] = field(default_factory=list)
    deleted_with: str = ""  # the URN of the resource whose delete removes this one too ("": none)


@dataclass
class Deployment:
    """What a program registered (in the order the mock engine saw it) and its resolved stack outputs."""

    resources: List[Registered]
    outputs: Dict[str, Any]

    def of_type(self, type_suffix: str) -> List[Registered]:
        return [r for r in self.resources if r.type.endswith(type_suffix)]

    def named(self, name: str, type_suffix: str = "") -> Registered:
        """The one resource of that name (and type, where a component and its child share a name)."""
        found = [r for r in self.resources if r.name == name and r.type.endswith(type_suffix)]
        assert len(found) == 1, (
            f"{len(found)} resources named {name!r} of a type ending {type_suffix!r}; "
            f"registered: {[r.urn for r in self.resources]}"
        )
        return found[0]

    def containers(self) -> Dict[str, Registered]:
        """The containers by engine name."""
        return {r.state["name"]: r for r in self.of_type(CONTAINER_TYPE)}


def _settings_config(config: Dict[str, Any]) -> Dict[str, str]:
    return {
        (key if ":" in key else f"docker-networking:{key}"): json.dumps(value)
        if isinstance(value, (dict, list, bool))
        else str(value)
        for key, value in config.items()
    }


def _registered(urn: str, request: Any, monitor: RecordingMonitor) -> Registered:
    return Registered(
        urn=urn,
        type=urn.split("::")[2].split("$")[-1],
        name=urn.split("::")[-1],
        parent=request.parent,
        custom=request.custom,
        inputs=_plain(json_format.MessageToDict(request.object)),
        state=dict(monitor.resources[urn].state),
        dependencies=list(request.dependencies),
        property_dependencies={key: sorted(deps.urns) for key, deps in request.propertyDependencies.items()},
        aliases=[json_format.MessageToDict(alias) for alias in request.aliases],
        delete_before_replace=request.deleteBeforeReplace,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        ignore_changes=list(request.ignoreChanges),
        deleted_with=request.deletedWith,
    )


E = TypeVar("E", bound=BaseException)


@overload
def run_program(
    program: Callable[[], Any],
    config: Optional[Dict[str, Any]] = None,
    stack: str = "test",
    expect: None = None,
    kept: Optional[Dict[str, Dict[str, Any]]] = None,
) -> Tuple[Deployment, None]: ...


@overload
def run_program(
    program: Callable[[], Any],
    config: Optional[Dict[str, Any]] = None,
    stack: str = "test",
    *,
    expect: Type[E],
    kept: Optional[Dict[str, Dict[str, Any]]] = None,
) -> Tuple[Deployment, E]: ...


def run_program(
    program: Callable[[], Any],
    config: Optional[Dict[str, Any]] = None,
    stack: str = "test",
    expect: Optional[Type[BaseException]] = None,
    kept: Optional[Dict[str, Dict[str, Any]]] = None,
) -> Tuple[Deployment, Optional[BaseException]]:
    """Run `program` under ProjectMocks with `config` in the stack `stack` (what pulumi.get_stack() says).

    Waits for every registration, every stack output and whatever the program returns (an Output whose
    apply holds assertions, as in Pulumi's testing examples). With `expect`, the program must raise that
    exception type; it is returned with what was registered (which must then be nothing, for bad input).
    `kept`: resource name -> outputs the state of an earlier `up` holds (see ProjectMocks).
    """
    mocks = ProjectMocks(kept)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)  # a fresh Stack resource for each run, so outputs don't leak
    pulumi.runtime.set_mocks(mocks, project="docker-networking", stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(_settings_config(config or {}))
    outputs: Dict[str, Any] = {}
    raised: List[BaseException] = []

    @pulumi.runtime.test
    def body() -> Any:
        try:
            returned = program()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            if expect is None or not isinstance(error, expect):
                raise
            raised.append(error)
            return None
        root = runtime_settings.get_root_resource()
        exported = pulumi.Output.from_input(dict(root.outputs)).apply(outputs.update)  # type: ignore[union-attr]
        return pulumi.Output.all(exported, returned)

    body()
    if expect is not None and not raised:
        raise AssertionError(f"expected {expect.__name__}, nothing was raised")
    resources = [_registered(urn, request, monitor) for urn, request in zip(monitor.urns, monitor.requests)]
    return Deployment(resources=resources, outputs=outputs), (raised[0] if raised else None)
