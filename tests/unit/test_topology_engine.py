"""Reading the answers: which objects belong to a deployment, where a Redis node may be asked, and what
happens when something does not answer. The engine is a fake that serves the recorded answers."""

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Mapping, Optional

import pytest
import redis

from components.labels import NAME_PREFIX_LABEL
from topology.answers import INTERFACES_SCRIPT, EngineAnswers, load_answers
from topology.engine import (
    PASSWORD_VARIABLE,
    LiveSources,
    engine_location,
    open_engine,
    read_answers,
    redis_endpoint,
    redis_password,
)
from topology.errors import TopologyError
from topology.selection import belongs

from .doubles.contexts import use_context, write_context

RECORDED = Path(__file__).parent / "recorded"
LOCAL = {"DOCKER_HOST": "unix:///var/run/docker.sock"}


def _matches(labels: Optional[Mapping[str, str]], filters: Optional[Dict[str, List[str]]]) -> bool:
    wanted = (filters or {}).get("label", [])
    return all((labels or {}).get(key) == value for key, _, value in (f.partition("=") for f in wanted))


class FakeDocker:
    """The docker-py calls read_answers makes, over recorded (trimmed) inspect answers."""

    def __init__(self, *answers: EngineAnswers, exec_fails: bool = False) -> None:
        self.containers_by_id = {c["Id"]: c for a in answers for c in a.containers}
        self.networks_by_id = {n["Id"]: n for a in answers for n in a.networks}
        self.listings = {name: text for a in answers for name, text in a.interfaces.items()}
        self.images = {image: tag for a in answers for image, tag in a.images.items()}
        self.exec_fails = exec_fails
        self.closed = False
        self.api = SimpleNamespace(
            containers=lambda all=False, filters=None: [
                {"Id": c["Id"], "Labels": c["Config"]["Labels"]}
                for c in self.containers_by_id.values()
                if _matches(c["Config"]["Labels"], filters)
            ],
            networks=lambda filters=None: [n for n in self.networks_by_id.values() if _matches(n["Labels"], filters)],
            inspect_container=lambda cid: self.containers_by_id[cid],
            inspect_network=lambda nid: self.networks_by_id[nid],
            inspect_image=lambda image: {"RepoTags": [self.images[image]]},
        )
        self.containers = SimpleNamespace(get=self._container)

    def _container(self, cid: str) -> Any:
        name = self.containers_by_id[cid]["Name"].lstrip("/")

        def exec_run(cmd: List[str]) -> Any:
            assert cmd == ["sh", "-c", INTERFACES_SCRIPT]
            if self.exec_fails:
                return SimpleNamespace(exit_code=126, output=b"OCI runtime exec failed")
            return SimpleNamespace(exit_code=0, output=self.listings[name].encode())

        return SimpleNamespace(exec_run=exec_run)

    def info(self) -> Dict[str, str]:
        return {"Name": "vm"}

    def version(self) -> Dict[str, str]:
        return {"Version": "20.10.24+dfsg1"}

    def close(self) -> None:
        self.closed = True


def recorded(stack: str) -> EngineAnswers:
    return load_answers(RECORDED / f"{stack}.json")


def prefixed(stack: str, prefix: str) -> EngineAnswers:
    """The recorded deployment as a test run's: other ids, every object labelled with the prefix."""
    data = json.loads((RECORDED / f"{stack}.json").read_text())
    for facts in data["containers"]:
        facts["Id"] = "f" + facts["Id"][1:]
        facts["Config"]["Labels"][NAME_PREFIX_LABEL] = prefix
    return dataclasses.replace(
        recorded(stack), containers=tuple(data["containers"]), name_prefix=prefix, interfaces={}, host_links=None
    )


def sources(fake: FakeDocker, host: Any = None, **others: Any) -> LiveSources:
    return LiveSources(connect=lambda environ: fake, host_addresses=lambda: host or [], **others)


def test_the_live_reading_gives_back_what_was_recorded():
    answers = recorded("mynet")
    fake = FakeDocker(answers)
    read = read_answers("mynet", environ=LOCAL, sources=sources(fake, host=answers.host_links))
    assert read == answers
    assert fake.closed


def test_a_persons_stack_is_read_without_a_test_runs_deployment_of_the_same_stack():
    mine, runs = recorded("bridge"), prefixed("bridge", "it-0a1b2c-")
    fake = FakeDocker(mine, runs)
    read = read_answers("bridge", environ=LOCAL, sources=sources(fake, host=mine.host_links))
    assert {c["Id"] for c in read.containers} == {c["Id"] for c in mine.containers}
    theirs = read_answers("bridge", "it-0a1b2c-", environ=LOCAL, sources=sources(fake, host=mine.host_links))
    assert {c["Id"] for c in theirs.containers} == {c["Id"] for c in runs.containers}
    # docker0 carries no label: it comes in because the stack's containers are on it.
    assert [n["Name"] for n in theirs.networks] == ["bridge"]


def test_a_stack_that_is_not_deployed_names_what_is():
    fake = FakeDocker(recorded("bridge"), prefixed("link", "it-0a1b2c-"))
    with pytest.raises(TopologyError) as raised:
        read_answers("redis", environ=LOCAL, sources=sources(fake))
    message = str(raised.value)
    assert "stack 'redis' without a name prefix (a person's own) is not deployed on this engine" in message
    assert "deployed on this engine: bridge, link (--name-prefix it-0a1b2c-)" in message
    assert "make up STACK=redis" in message
    assert fake.closed


def test_an_engine_that_does_not_answer_is_named_with_the_fix(tmp_path):
    with pytest.raises(TopologyError) as raised:
        open_engine({"DOCKER_HOST": f"unix://{tmp_path}/docker.sock"})
    assert f"no Docker engine answers at unix://{tmp_path}/docker.sock" in str(raised.value)
    assert "start the engine (dockerd), or point DOCKER_HOST at it" in raised.value.fix


def test_what_cannot_be_read_becomes_a_note_not_a_failure():
    answers = recorded("bridge")

    def no_ip() -> List[Dict[str, Any]]:
        raise FileNotFoundError("ip")

    read = read_answers(
        "bridge",
        environ=LOCAL,
        sources=dataclasses.replace(sources(FakeDocker(answers, exec_fails=True)), host_addresses=no_ip),
    )
    assert read.interfaces == {} and read.host_links is None
    assert "tomcat01: reading /sys/class/net failed (OCI runtime exec failed)" in read.notes
    assert any("`ip -j addr`" in note and "install iproute2" in note for note in read.notes)


def test_a_remote_engine_is_not_asked_for_host_interfaces_or_redis_roles():
    answers = recorded("bridge")

    def never() -> List[Dict[str, Any]]:
        raise AssertionError("the host's interfaces were read for a remote engine")

    read = read_answers(
        "bridge",
        environ={"DOCKER_HOST": "tcp://10.1.2.3:2376"},
        sources=dataclasses.replace(sources(FakeDocker(answers)), host_addresses=never),
    )
    assert read.host_links is None and read.engine.local is False


def test_engine_location(tmp_path):
    home = {"HOME": str(tmp_path)}  # no ~/.docker/config.json: no current context
    assert engine_location(home) == ("unix:///var/run/docker.sock", True)
    assert engine_location({**home, "DOCKER_HOST": "tcp://10.1.2.3:2376"}) == ("tcp://10.1.2.3:2376", False)


def test_engine_location_follows_a_docker_context_as_the_docker_cli_does(tmp_path):
    config = tmp_path / "docker-config"
    write_context(config, "build-box", "ssh://deploy@10.1.2.3")
    use_context(config, "build-box")
    assert engine_location({"DOCKER_CONFIG": str(config)}) == ("ssh://deploy@10.1.2.3", False)


def test_a_context_that_does_not_exist_is_named_with_the_fix(tmp_path):
    with pytest.raises(TopologyError) as raised:
        open_engine({"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "nowhere"})
    assert "invalid setting 'DOCKER_CONTEXT': there is no Docker context named 'nowhere'" in str(raised.value)
    assert "docker context ls" in raised.value.fix


def _node(host_ip: Optional[str], ip: str = "10.38.0.11") -> Dict[str, Any]:
    ports = {"6379/tcp": [{"HostIp": host_ip, "HostPort": "6371"}] if host_ip is not None else None}
    return {"NetworkSettings": {"Ports": ports, "Networks": {"redis": {"IPAddress": ip}}}}


@pytest.mark.parametrize(
    "host_ip, expected",
    [
        ("127.0.0.1", ("127.0.0.1", 6371)),
        ("0.0.0.0", ("127.0.0.1", 6371)),
        ("", ("127.0.0.1", 6371)),
        ("::1", ("::1", 6371)),
        ("192.0.2.7", ("10.38.0.11", 6379)),  # another address: never asked there; the container's IP instead
        (None, ("10.38.0.11", 6379)),
    ],
)
def test_a_redis_node_is_asked_on_loopback_or_its_container_ip_only(host_ip, expected):
    assert redis_endpoint(_node(host_ip), local=True) == expected


def test_a_remote_engines_redis_nodes_are_not_asked():
    assert redis_endpoint(_node("127.0.0.1"), local=False) is None


def test_the_password_comes_from_the_environment_first_and_never_from_a_persons_stack_for_a_prefix():
    assert redis_password("redis", "it-0a1b2c-", {PASSWORD_VARIABLE: "s3cret"}) == ("s3cret", None)
    password, why = redis_password("redis", "it-0a1b2c-", {})
    assert password is None and why is not None and f"export {PASSWORD_VARIABLE}" in why


def test_selection_needs_the_exact_prefix():
    labels = {"io.docker-networking.project": "docker-networking", "io.docker-networking.stack": "link"}
    assert belongs(labels, "link", "") and not belongs(labels, "link", "it-0a1b2c-")
    assert not belongs({**labels, NAME_PREFIX_LABEL: "it-0a1b2c-"}, "link", "")
    assert belongs({**labels, NAME_PREFIX_LABEL: "it-0a1b2c-"}, "link", "it-0a1b2c-")
    assert not belongs(labels, "bridge", "")


def _redis_sources(
    answers: EngineAnswers, asked: List[Any], password: Any = ("s3cret", None), refuse: bool = False
) -> LiveSources:
    replies = {}
    for facts in answers.containers:
        [binding] = facts["NetworkSettings"]["Ports"]["6379/tcp"]
        replies[("127.0.0.1", int(binding["HostPort"]))] = answers.cluster_nodes[facts["Name"].lstrip("/")]

    def ask(endpoint: Any, given: Optional[str]) -> str:
        asked.append((endpoint, given))
        if refuse:
            raise redis.AuthenticationError("invalid username-password pair or user is disabled.")
        return replies[endpoint]

    return dataclasses.replace(
        sources(FakeDocker(answers), host=answers.host_links),
        ask_redis=ask,
        password=lambda stack, prefix, environ: password,
    )


def test_every_redis_node_is_asked_on_its_loopback_port_with_the_password():
    answers = recorded("redis")
    asked: List[Any] = []
    assert read_answers("redis", environ=LOCAL, sources=_redis_sources(answers, asked)) == answers
    assert sorted(port for (host, port), _ in asked) == [6371, 6372, 6373, 6374, 6375, 6376]
    assert {(host, given) for (host, _), given in asked} == {("127.0.0.1", "s3cret")}


def test_nodes_that_refuse_give_one_note_that_says_where_the_password_was_looked_for():
    answers = recorded("redis")
    why = "`pulumi stack output -s redis --show-secrets password` failed (error: no stack named 'redis' found)"
    read = read_answers("redis", environ=LOCAL, sources=_redis_sources(answers, [], password=(None, why), refuse=True))
    assert read.cluster_nodes == {}
    assert read.notes == (
        "Redis roles not read (redis-1, redis-2, redis-3, redis-4, redis-5, redis-6): the nodes "
        f"ask for a password and none was found: {why}",
    )
