"""Scenario 2 on a real engine: tomcat03 "linked" to tomcat02, one way, through /etc/hosts.

The stack goes up once for the module; the destroy test runs last (pytest keeps file order). The
containers carry the run's prefix on the engine, so the hosts line names tomcat02 by its engine name,
as `--link <engine name>` did.
"""

from types import SimpleNamespace

import pytest

from harness.project_copy import LOCAL_IMAGES

from .tomcat_checks import changes_only, deploy, destroy_and_list_leftovers, ping, preview_ops, resolve, run_in

pytestmark = pytest.mark.integration

STACK = "link"


@pytest.fixture(scope="module")
def link(project):
    stack, outputs = deploy(project, STACK)
    yield stack, outputs
    stack.destroy(on_output=print)


@pytest.fixture(scope="module")
def names(run):
    """The engine names of tomcat01, tomcat02 and tomcat03 in this run."""
    return SimpleNamespace(tomcat01=run.name("tomcat01"), tomcat02=run.name("tomcat02"), tomcat03=run.name("tomcat03"))


@pytest.fixture(scope="module")
def tomcat02(link, docker_client, names):
    """tomcat02's IP on docker0 and its short ID, as `--link` would have written them."""
    attrs = docker_client.api.inspect_container(names.tomcat02)
    return attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"], attrs["Id"][:12]


def test_tomcat03s_hosts_file_has_the_line_link_writes(link, tomcat02, names):
    ip, short_id = tomcat02
    code, hosts = run_in(names.tomcat03, "cat", "/etc/hosts")
    assert code == 0
    assert f"{ip}\t{names.tomcat02} {short_id}" in hosts.splitlines()
    _, outputs = link
    assert outputs["containers"]["tomcat03"]["hosts"] == [f"{ip} {names.tomcat02} {short_id}"]


def test_tomcat03_resolves_and_pings_tomcat02_by_name(link, tomcat02, names):
    ip, short_id = tomcat02
    assert resolve(names.tomcat03, names.tomcat02) == ip
    assert resolve(names.tomcat03, short_id) == ip
    code, output = ping(names.tomcat03, names.tomcat02)
    assert code == 0, output
    assert f"PING {names.tomcat02} ({ip})" in output


def test_the_link_is_one_way(link, names):
    assert resolve(names.tomcat02, names.tomcat03) is None
    code, output = ping(names.tomcat02, names.tomcat03)
    assert code != 0
    assert "Name or service not known" in output
    code, hosts = run_in(names.tomcat02, "cat", "/etc/hosts")
    assert "tomcat03" not in hosts  # neither the tutorial's name nor the engine's


def test_tomcat01_is_on_the_same_bridge_and_still_cannot_resolve(link, tomcat02, names):
    ip, _ = tomcat02
    assert resolve(names.tomcat01, names.tomcat02) is None
    code, output = ping(names.tomcat01, ip)
    assert code == 0, output


def test_no_engine_level_link_was_made(link, docker_client, names):
    """The hosts line is the whole mechanism: the engine records no legacy link."""
    assert docker_client.api.inspect_container(names.tomcat03)["HostConfig"]["Links"] is None


def test_a_preview_right_after_up_shows_no_changes(link):
    stack, _ = link
    summary, _ = preview_ops(stack)
    assert changes_only(summary) == {}


def test_destroy_leaves_nothing_and_keeps_the_image(link, docker_client, run):
    stack, _ = link
    assert destroy_and_list_leftovers(stack, run.prefix) == {"containers": [], "networks": [], "volumes": []}
    assert docker_client.images.get(LOCAL_IMAGES["tomcatImage"])
