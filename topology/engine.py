"""Reading a stack's live answers: the engine (docker-py), each container's interfaces (an exec), the host's
interfaces (`ip -j addr`, only where the engine is local) and, for Redis nodes, CLUSTER NODES.

Traffic goes only to the engine, to loopback and to container IPs: a Redis node is asked on its published
port through loopback, or on its container IP when it publishes none there.
"""

import ipaddress
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import docker
import redis
from docker.errors import DockerException
from redis.backoff import NoBackoff
from redis.retry import Retry
from requests.exceptions import RequestException

from components.engine.docker_api import docker_client
from components.engine.endpoint import Endpoint, EndpointError, resolve_endpoint
from components.redis.model.cluster_args import CLIENT_PORT
from harness.project_copy import REPO_ROOT, toolchain_env

from .answers import INTERFACES_SCRIPT, EngineAnswers, EngineFacts, container_facts, host_link_facts, network_facts
from .errors import TopologyError
from .model import bridge_device, container_name
from .selection import belongs, deployment_name, label_filters

ENGINE_TIMEOUT_SECONDS = 10
REDIS_TIMEOUT_SECONDS = 3.0
# A prefixed deployment (a test run's) keeps its password in its own state: it comes in through here.
PASSWORD_VARIABLE = "REDIS_PASSWORD"
LOOPBACK_V4 = "127.0.0.1"


def _endpoint(environ: Mapping[str, str]) -> Endpoint:
    try:
        return resolve_endpoint(environ)
    except EndpointError as error:
        raise TopologyError(f"invalid setting '{error.setting}': {error.problem}", error.fix) from None


def engine_location(environ: Mapping[str, str]) -> Tuple[str, bool]:
    """The engine's address (as DOCKER_HOST or a Docker context name it) and whether it is on this machine
    (a unix socket: the host-side interfaces can be read here; a tcp:// or ssh:// engine is another
    machine's, or a VM's)."""
    endpoint = _endpoint(environ)
    return endpoint.host, endpoint.is_local


def open_engine(environ: Mapping[str, str]) -> docker.DockerClient:
    endpoint = _endpoint(environ)
    try:
        client = docker_client(environ, timeout=ENGINE_TIMEOUT_SECONDS)
        client.ping()
        return client
    except (DockerException, RequestException, OSError) as error:
        raise TopologyError(
            f"no Docker engine answers at {endpoint.described} ({error})",
            f"{endpoint.unreachable_fix()} (`docker info` must answer)",
        ) from None


def _engine_facts(client: docker.DockerClient, address: str, local: bool) -> EngineFacts:
    info, version = client.info(), client.version()
    return EngineFacts(
        address=address, local=local, host_name=str(info.get("Name", "")), version=str(version.get("Version", ""))
    )


def _not_deployed(client: docker.DockerClient, stack: str, name_prefix: str) -> TopologyError:
    seen = sorted({name for c in client.api.containers(all=True) if (name := deployment_name(c.get("Labels")))})
    which = f"with --name-prefix {name_prefix}" if name_prefix else "without a name prefix (a person's own)"
    deployed = f"deployed on this engine: {', '.join(seen)}" if seen else "nothing of the project is deployed here"
    other = ", or draw one listed above (`python -m topology STACK [--name-prefix P]`)" if seen else ""
    return TopologyError(
        f"stack '{stack}' {which} is not deployed on this engine ({deployed})",
        f"deploy it with `make up STACK={stack}`{other}",
    )


def _stack_objects(
    client: docker.DockerClient, stack: str, name_prefix: str
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Inspected containers and networks of the deployment, plus the unlabelled networks its containers
    are on (docker0)."""
    filters = label_filters(stack)
    containers = [
        client.api.inspect_container(c["Id"])
        for c in client.api.containers(all=True, filters=filters)
        if belongs(c.get("Labels"), stack, name_prefix)
    ]
    network_ids = {
        n["Id"] for n in client.api.networks(filters=filters) if belongs(n.get("Labels"), stack, name_prefix)
    }
    network_ids |= {
        endpoint["NetworkID"] for c in containers for endpoint in (c["NetworkSettings"].get("Networks") or {}).values()
    }
    return containers, [client.api.inspect_network(network_id) for network_id in sorted(network_ids)]


def _interfaces(
    client: docker.DockerClient, containers: Sequence[Mapping[str, Any]]
) -> Tuple[Dict[str, str], List[str]]:
    """Each running container's INTERFACES_SCRIPT output, by name; a note for each one that gave none."""
    listings, notes = {}, []
    for facts in containers:
        name = container_name(facts)
        if not (facts.get("State") or {}).get("Running"):
            notes.append(f"{name} is not running: its interface names and veth pairs cannot be read")
            continue
        result = client.containers.get(facts["Id"]).exec_run(["sh", "-c", INTERFACES_SCRIPT])
        output = result.output or b""
        # Not streamed, so the whole output at once; docker's types do not tell the two cases apart.
        assert isinstance(output, bytes), f"exec_run without stream= gave {type(output).__name__}"
        if result.exit_code != 0:
            said = output.decode(errors="replace").strip()
            notes.append(f"{name}: reading /sys/class/net failed ({said})")
            continue
        listings[name] = output.decode(errors="replace")
    return listings, notes


def _image_tags(client: docker.DockerClient, containers: Sequence[Mapping[str, Any]]) -> Dict[str, str]:
    """Image id -> its first tag: a container created from an image id (as Pulumi does) shows only the id."""
    tags = {}
    for image in {c["Config"]["Image"] for c in containers if c["Config"]["Image"].startswith("sha256:")}:
        try:
            found = client.api.inspect_image(image).get("RepoTags") or []
        except docker.errors.NotFound:
            continue
        if found:
            tags[image] = found[0]
    return tags


def ip_addr() -> List[Dict[str, Any]]:
    """This machine's `ip -j addr`."""
    shown = subprocess.run(["ip", "-j", "addr", "show"], capture_output=True, text=True, check=True, timeout=10)
    return json.loads(shown.stdout)


def _host_links(
    read: Callable[[], List[Dict[str, Any]]], bridges: List[str]
) -> Tuple[Optional[List[Dict[str, Any]]], List[str]]:
    try:
        return host_link_facts(read(), bridges), []
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        return None, [
            f"this machine's interfaces could not be read with `ip -j addr` ({error}); "
            "install iproute2 for the host-side veths"
        ]


def redis_endpoint(facts: Mapping[str, Any], local: bool) -> Optional[Tuple[str, int]]:
    """Where this machine may ask a node: its published client port through loopback, else (a local
    engine) its container IP. Never another address: the picture only talks to loopback and containers."""
    if not local:
        return None  # a remote engine's published ports and container IPs are not on this machine
    settings = facts.get("NetworkSettings") or {}
    for binding in (settings.get("Ports") or {}).get(f"{CLIENT_PORT}/tcp") or []:
        host_ip = binding.get("HostIp") or "0.0.0.0"
        if ipaddress.ip_address(host_ip).is_loopback or ipaddress.ip_address(host_ip).is_unspecified:
            return ("::1" if host_ip == "::1" else LOOPBACK_V4), int(binding["HostPort"])
    ips = [e.get("IPAddress") for e in (settings.get("Networks") or {}).values() if e.get("IPAddress")]
    return (ips[0], CLIENT_PORT) if ips else None


def is_redis_node(facts: Mapping[str, Any]) -> bool:
    """A container that exposes Redis's client port: a node of the stack's cluster."""
    return f"{CLIENT_PORT}/tcp" in ((facts.get("NetworkSettings") or {}).get("Ports") or {})


def redis_password(stack: str, name_prefix: str, environ: Mapping[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """(password, None), or (None, why there is none): $REDIS_PASSWORD, else the person's stack output."""
    if environ.get(PASSWORD_VARIABLE):
        return environ[PASSWORD_VARIABLE], None
    if name_prefix:
        return None, (
            f"a deployment with --name-prefix keeps its password in its own Pulumi state: export {PASSWORD_VARIABLE}"
        )
    command = ["pulumi", "stack", "output", "-s", stack, "--show-secrets", "password"]
    try:
        env = toolchain_env()
        shown = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"`{' '.join(command)}` could not run ({error})"
    if shown.returncode != 0:
        last = (shown.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"`{' '.join(command)}` failed ({last})"
    return shown.stdout.strip() or None, None


def ask_cluster_nodes(endpoint: Tuple[str, int], password: Optional[str]) -> str:
    # No retries inside redis-py: a node that refuses us refuses again, and its backoff took seconds.
    node = redis.Redis(
        host=endpoint[0],
        port=endpoint[1],
        password=password,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        decode_responses=True,
    )
    try:
        return str(node.execute_command("CLUSTER", "NODES"))  # two words: redis-py then leaves the text as is
    finally:
        node.close()


def _grouped(failures: Mapping[str, List[str]]) -> List[str]:
    """One note per reason, naming the nodes: six nodes refusing the same password is one fact."""
    return [f"Redis roles not read ({', '.join(names)}): {reason}" for reason, names in failures.items()]


def _cluster_nodes(
    containers: Sequence[Mapping[str, Any]],
    stack: str,
    name_prefix: str,
    local: bool,
    environ: Mapping[str, str],
    sources: "LiveSources",
) -> Tuple[Dict[str, str], List[str]]:
    nodes = sorted(
        (c for c in containers if is_redis_node(c) and (c.get("State") or {}).get("Running")), key=container_name
    )
    if not nodes:
        return {}, []
    if not local:
        return {}, ["Redis roles not read: the engine is remote, its nodes are not reachable from this machine"]
    password, why_none = sources.password(stack, name_prefix, environ)
    refused = (
        f"the nodes ask for a password and none was found: {why_none}"
        if why_none
        else f"the nodes refused the password (from ${PASSWORD_VARIABLE} or the stack's output)"
    )
    replies: Dict[str, str] = {}
    failures: Dict[str, List[str]] = {}
    for facts in nodes:
        name, endpoint = container_name(facts), redis_endpoint(facts, local)
        if endpoint is None:
            failures.setdefault("no loopback port or container IP to ask on", []).append(name)
            continue
        try:
            replies[name] = sources.ask_redis(endpoint, password)
        except (redis.AuthenticationError, redis.ResponseError) as error:
            reason = refused if "auth" in str(error).lower() or "pass" in str(error).lower() else str(error)
            failures.setdefault(reason, []).append(name)
        except redis.RedisError as error:
            failures.setdefault(
                f"no answer on their loopback ports or container IPs ({type(error).__name__})", []
            ).append(name)
    return replies, _grouped(failures)


@dataclass(frozen=True)
class LiveSources:
    """Where the answers come from: the engine, this machine's interfaces, the Redis nodes and the
    password. Tests replace them; the defaults are the live ones."""

    connect: Callable[[Mapping[str, str]], Any] = open_engine
    host_addresses: Callable[[], List[Dict[str, Any]]] = ip_addr
    ask_redis: Callable[[Tuple[str, int], Optional[str]], str] = ask_cluster_nodes
    password: Callable[[str, str, Mapping[str, str]], Tuple[Optional[str], Optional[str]]] = redis_password


def read_answers(
    stack: str, name_prefix: str = "", environ: Mapping[str, str] = os.environ, sources: LiveSources = LiveSources()
) -> EngineAnswers:
    """Everything the picture of `stack` needs, from the live engine; TopologyError when there is no
    engine or no such deployment."""
    address, local = engine_location(environ)
    client = sources.connect(environ)
    try:
        containers, networks = _stack_objects(client, stack, name_prefix)
        if not containers and not networks:
            raise _not_deployed(client, stack, name_prefix)
        listings, notes = _interfaces(client, containers)
        host_links: Optional[List[Dict[str, Any]]] = None
        if local:
            host_links, host_notes = _host_links(sources.host_addresses, [bridge_device(n) for n in networks])
            notes += host_notes
        replies, redis_notes = _cluster_nodes(containers, stack, name_prefix, local, environ, sources)
        return EngineAnswers(
            stack=stack,
            name_prefix=name_prefix,
            engine=_engine_facts(client, address, local),
            containers=tuple(container_facts(c) for c in containers),
            networks=tuple(network_facts(n) for n in networks),
            interfaces=listings,
            host_links=host_links,
            cluster_nodes=replies,
            images=_image_tags(client, containers),
            notes=tuple(notes + redis_notes),
        )
    except (DockerException, OSError) as error:  # requests' errors are OSErrors
        raise TopologyError(
            f"the engine at {address} failed while reading stack '{stack}' ({error})",
            "check `docker info`, then run the command again",
        ) from None
    finally:
        client.close()
