"""Whether the Swarm nodes that run a stack's tasks can get its image (components/swarm/images.py), asked
of each node's engine through the real EngineClient on the fake engine API: the engine's own copy, else
its registry (GET /distribution, which pulls nothing), bounded in time; then the Swarm stacks stopping
before anything is registered when a node can get neither, and naming the nodes they could not ask."""

import logging
import time
from pathlib import Path
from typing import Dict

import pulumi
import pytest

from components.engine.client import EngineClient
from components.engine.endpoint import FROM_HOST, Endpoint
from components.errors import ConfigError
from components.swarm.images import check_image_on_nodes, image_on_engine, look_for_image
from scenarios import overlay
from scenarios import swarm as swarm_scenario

from .doubles.engine_api import NO_REGISTRY, FakeEngine
from .doubles.pulumi_mocks import run_program
from .doubles.swarm import NODES, FakeSwarm

PUBLIC = "redis:7.4"
LOCAL = "docker-networking/redis:local"
SETTING = "docker-networking:redisImage"
ENGINES_SETTING = "docker-networking:swarm.nodeEngines"


def factories(engines: Dict[str, FakeEngine]):
    return {hostname: engine.client for hostname, engine in engines.items()}


def warnings_of(caplog: pytest.LogCaptureFixture):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_an_image_on_the_engine_needs_no_registry(engine: FakeEngine):
    engine.add_image(LOCAL)
    with engine.client() as client:
        found = image_on_engine(client, "dn-swarm2", LOCAL)
    assert (found.present, found.usable) == (True, True)
    assert not any(call.startswith("GET /distribution") for call in engine.calls)


def test_an_image_its_registry_serves_is_pullable(engine: FakeEngine):
    engine.serve_from_registry(PUBLIC)
    with engine.client() as client:
        found = image_on_engine(client, "dn-swarm2", PUBLIC)
    assert (found.present, found.pullable) == (False, True)
    assert engine.calls[-1] == "GET /distribution/redis:7.4/json"


def test_neither_here_nor_served_carries_the_engines_explanation(engine: FakeEngine):
    with engine.client() as client:
        found = image_on_engine(client, "dn-swarm2", PUBLIC)
    assert (found.usable, found.registry_problem) == (False, NO_REGISTRY)


def test_the_nodes_are_asked_side_by_side_so_slow_registries_cost_one_timeout(engines: Dict[str, FakeEngine]):
    for engine in engines.values():
        engine.registry_delay = 2
    started = time.monotonic()
    found = look_for_image(PUBLIC, list(NODES), factories(engines), timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert [node.hostname for node in found.missing] == list(NODES)
    assert all("no answer from the registry of redis:7.4 within 0.5 s" in n.registry_problem for n in found.missing)


def test_a_node_that_cannot_get_the_image_stops_the_check_naming_image_node_and_fix(engines: Dict[str, FakeEngine]):
    for hostname in ("dn-swarm1", "dn-swarm3"):
        engines[hostname].add_image(PUBLIC)
    with pytest.raises(ConfigError) as raised:
        check_image_on_nodes(SETTING, PUBLIC, list(NODES), factories(engines), engines_setting=ENGINES_SETTING)
    error = raised.value
    assert error.setting == SETTING
    assert str(error).startswith(f"invalid setting '{SETTING}': Swarm node dn-swarm2 has no image redis:7.4 and")
    assert NO_REGISTRY in error.problem
    assert error.fix == f"set {SETTING} to an image those nodes have or can pull"


def test_the_fix_names_the_local_image_that_make_swarm_up_loads(engines: Dict[str, FakeEngine]):
    with pytest.raises(ConfigError) as raised:
        check_image_on_nodes(
            SETTING, PUBLIC, list(NODES), factories(engines), engines_setting=ENGINES_SETTING, local_image=LOCAL
        )
    error = raised.value
    assert "Swarm nodes dn-swarm1, dn-swarm2 and dn-swarm3 have no image redis:7.4" in error.problem
    assert error.problem.count(NO_REGISTRY) == 1  # one reason, said once
    assert error.fix.startswith(f"pulumi config set redisImage {LOCAL} (sudo make swarm-up loads it into every node")
    with pytest.raises(ConfigError) as raised:
        check_image_on_nodes(
            SETTING, LOCAL, list(NODES), factories(engines), engines_setting=ENGINES_SETTING, local_image=LOCAL
        )
    assert raised.value.fix.startswith(f"sudo make swarm-up loads {LOCAL} into every node of the local Swarm")


def test_different_reasons_are_each_named_with_their_nodes(engines: Dict[str, FakeEngine]):
    engines["dn-swarm3"].registry_error = "unauthorized: authentication required"
    with pytest.raises(ConfigError) as raised:
        check_image_on_nodes(SETTING, PUBLIC, list(NODES), factories(engines), engines_setting=ENGINES_SETTING)
    assert f"dn-swarm1 and dn-swarm2: {NO_REGISTRY}; dn-swarm3: unauthorized" in raised.value.problem


def test_nodes_whose_engines_the_stack_does_not_reach_are_named_as_not_checked(
    fake_swarm: FakeSwarm, engines: Dict[str, FakeEngine], caplog: pytest.LogCaptureFixture
):
    fake_swarm.engines = {"dn-swarm1": engines["dn-swarm1"]}  # the manager's, through DOCKER_HOST
    engines["dn-swarm1"].add_image(LOCAL)
    config = {"scenario": "swarm", "redisImage": LOCAL, "redis": {"basePort": 21000}}
    deployment, _ = run_program(lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm")
    assert len(deployment.of_type("docker:index/service:Service")) == 6  # a warning: the deployment goes on
    (warning,) = [w for w in warnings_of(caplog) if "not checked" in w]
    assert warning.startswith(f"{SETTING}: not checked whether Swarm node(s) dn-swarm2 and dn-swarm3 have {LOCAL}")
    assert ENGINES_SETTING in warning


def test_an_engine_that_does_not_answer_is_named_as_not_checked(
    engines: Dict[str, FakeEngine], tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    gone = Endpoint(host=f"unix://{tmp_path}/gone.sock", origin=FROM_HOST)
    reached = {**factories(engines), "dn-swarm3": lambda: EngineClient(gone, timeout=2)}
    for hostname in ("dn-swarm1", "dn-swarm2"):
        engines[hostname].add_image(LOCAL)
    deployment, _ = run_program(
        lambda: check_image_on_nodes(SETTING, LOCAL, list(NODES), reached, engines_setting=ENGINES_SETTING)
    )
    assert [w for w in warnings_of(caplog) if "not checked" in w] == [
        f"{SETTING}: not checked whether Swarm node dn-swarm3 has {LOCAL} or can pull it: "
        f"no answer from its engine at unix://{tmp_path}/gone.sock"
    ]


def test_a_bad_name_is_refused_before_an_engine_is_asked(engines: Dict[str, FakeEngine]):
    with pytest.raises(ConfigError, match="not a valid image reference"):
        check_image_on_nodes(SETTING, "Redis:7.4", list(NODES), factories(engines), engines_setting=ENGINES_SETTING)
    assert all(engine.calls == [] for engine in engines.values())


def test_the_swarm_stack_stops_before_anything_is_registered(fake_swarm: FakeSwarm, engines: Dict[str, FakeEngine]):
    fake_swarm.engines = engines
    config = {"scenario": "swarm", "redisImage": PUBLIC, "redis": {"basePort": 21000}}
    deployment, error = run_program(
        lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm", expect=ConfigError
    )
    assert deployment.resources == []
    assert error.setting == SETTING
    assert "Swarm nodes dn-swarm1, dn-swarm2 and dn-swarm3 have no image redis:7.4" in error.problem


def test_the_swarm_stack_asks_only_the_nodes_that_run_a_task(
    fake_swarm: FakeSwarm, engines: Dict[str, FakeEngine], caplog: pytest.LogCaptureFixture
):
    """Two nodes named, one replica per master: the third node runs nothing, its image does not matter."""
    fake_swarm.engines = engines
    for hostname in ("dn-swarm1", "dn-swarm2"):
        engines[hostname].add_image(LOCAL)
    config = {"scenario": "swarm", "redisImage": LOCAL, "swarm": {"nodes": ["dn-swarm1", "dn-swarm2"]}}
    deployment, _ = run_program(lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm")
    assert len(deployment.of_type("docker:index/service:Service")) == 6
    assert engines["dn-swarm3"].calls == []
    assert not [w for w in warnings_of(caplog) if "not checked" in w]


def test_the_overlay_stack_asks_the_manager_for_tomcat01_too(fake_swarm: FakeSwarm, engines: Dict[str, FakeEngine]):
    fake_swarm.engines = engines
    for hostname in ("dn-swarm2", "dn-swarm3"):
        engines[hostname].add_image("docker-networking/tomcat:local")
    config = {"scenario": "overlay", "tomcatImage": "docker-networking/tomcat:local"}
    deployment, error = run_program(lambda: overlay.build(pulumi.Config()), config, stack="overlay", expect=ConfigError)
    assert deployment.resources == []
    assert error.setting == "docker-networking:tomcatImage"
    assert error.problem.startswith("Swarm node dn-swarm1 has no image docker-networking/tomcat:local")
    assert error.fix.startswith("sudo make swarm-up loads docker-networking/tomcat:local into every node")


def test_a_node_that_is_not_ready_is_left_to_the_clusters_own_check(
    fake_swarm: FakeSwarm, engines: Dict[str, FakeEngine], caplog: pytest.LogCaptureFixture
):
    fake_swarm.engines = engines
    config = {"scenario": "swarm", "redisImage": LOCAL, "swarm": {"nodes": ["dn-swarm1", "dn-swarm9"]}}
    engines["dn-swarm1"].add_image(LOCAL)
    _, error = run_program(lambda: swarm_scenario.build(pulumi.Config()), config, stack="swarm", expect=ConfigError)
    assert error.setting == "docker-networking:swarm.nodes.dn-swarm9"
    assert not [w for w in warnings_of(caplog) if "not checked" in w]
