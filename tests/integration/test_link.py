"""Scenario 2 on a real engine: tomcat03 "linked" to tomcat02, one way, through /etc/hosts.

The stack goes up once for the module; the destroy test runs last (pytest keeps file order).
"""
import pytest

from harness.project_copy import LOCAL_IMAGES

from .tomcat_checks import changes_only, deploy, destroy_and_list_leftovers, ping, preview_ops, resolve, run

pytestmark = pytest.mark.integration

STACK = "link"


@pytest.fixture(scope="module")
def link(project):
    stack, outputs = deploy(project, STACK)
    yield stack, outputs
    stack.destroy(on_output=print)


@pytest.fixture(scope="module")
def tomcat02(link, docker_client):
    """tomcat02's IP on docker0 and its short ID, as `--link` would have written them."""
    attrs = docker_client.api.inspect_container("tomcat02")
    return attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"], attrs["Id"][:12]


def test_tomcat03s_hosts_file_has_the_line_link_writes(link, tomcat02):
    ip, short_id = tomcat02
    code, hosts = run("tomcat03", "cat", "/etc/hosts")
    assert code == 0
    assert f"{ip}\ttomcat02 {short_id}" in hosts.splitlines()
    _, outputs = link
    assert outputs["containers"]["tomcat03"]["hosts"] == [f"{ip} tomcat02 {short_id}"]


def test_tomcat03_resolves_and_pings_tomcat02_by_name(link, tomcat02):
    ip, short_id = tomcat02
    assert resolve("tomcat03", "tomcat02") == ip
    assert resolve("tomcat03", short_id) == ip
    code, output = ping("tomcat03", "tomcat02")
    assert code == 0, output
    assert f"PING tomcat02 ({ip})" in output


def test_the_link_is_one_way(link):
    assert resolve("tomcat02", "tomcat03") is None
    code, output = ping("tomcat02", "tomcat03")
    assert code != 0
    assert "Name or service not known" in output
    code, hosts = run("tomcat02", "cat", "/etc/hosts")
    assert "tomcat03" not in hosts


def test_tomcat01_is_on_the_same_bridge_and_still_cannot_resolve(link, tomcat02):
    ip, _ = tomcat02
    assert resolve("tomcat01", "tomcat02") is None
    code, output = ping("tomcat01", ip)
    assert code == 0, output


def test_no_engine_level_link_was_made(link, docker_client):
    """The hosts line is the whole mechanism: the engine records no legacy link."""
    assert docker_client.api.inspect_container("tomcat03")["HostConfig"]["Links"] is None


def test_a_preview_right_after_up_shows_no_changes(link):
    stack, _ = link
    summary, _ = preview_ops(stack)
    assert changes_only(summary) == {}


def test_destroy_leaves_nothing_and_keeps_the_image(link, docker_client):
    stack, _ = link
    assert destroy_and_list_leftovers(stack, STACK) == {"containers": [], "networks": [], "volumes": []}
    assert docker_client.images.get(LOCAL_IMAGES["tomcatImage"])
