"""Faults on the mynet stack, on a real engine: drift made by hand is repaired by `pulumi up --refresh`,
and `pulumi destroy` still leaves nothing when parts of the stack were already removed by hand.

One stack, deployed with tomcat01 connected to mynet; each test makes one fault and checks the repair.
Engine names carry the run's prefix and mynet has the run's subnet (tomcat_checks.Mynet).
"""

from typing import Any, Dict

import pytest

from .tomcat_checks import Mynet, changes_only, deploy, destroy_and_list_leftovers, ping, preview_ops, resolve

pytestmark = pytest.mark.integration

STACK = "mynet"


class Deployed:
    def __init__(self, project: Any, mynet: Mynet) -> None:
        self.mynet = mynet
        self.stack, self.outputs = deploy(project, STACK, {"mynet": mynet.settings(connect=True)})

    def up_refresh(self) -> Dict[str, int]:
        result = self.stack.up(on_output=print, refresh=True)
        # Keyed by operation name: Pulumi's types say OpType, the summary's JSON gives strings.
        counts = result.summary.resource_changes or {}
        return changes_only({getattr(op, "value", str(op)): count for op, count in counts.items()})


@pytest.fixture(scope="module")
def deployed(project, run):
    stack = Deployed(project, Mynet(run, STACK))
    yield stack
    stack.stack.destroy(on_output=print)  # a no-op when the last test destroyed it already


def _networks_of(docker_client: Any, name: str) -> Dict[str, str]:
    attrs = docker_client.api.inspect_container(name)
    return {net: settings["IPAddress"] for net, settings in attrs["NetworkSettings"]["Networks"].items()}


def test_a_connection_undone_by_hand_is_made_again_without_recreating_tomcat01(deployed, docker_client):
    mynet = deployed.mynet
    tomcat01 = mynet.name("tomcat01")
    tomcat01_id = docker_client.api.inspect_container(tomcat01)["Id"]
    docker_client.api.disconnect_container_from_network(tomcat01, mynet.network)
    assert mynet.network not in _networks_of(docker_client, tomcat01)
    # The refresh shows the drift in the preview: the connection is gone and will be made again.
    summary, _ops = preview_ops(deployed.stack, refresh=True)
    assert changes_only(summary) == {"create": 1}, summary
    assert deployed.up_refresh() == {"create": 1}
    assert docker_client.api.inspect_container(tomcat01)["Id"] == tomcat01_id
    assert _networks_of(docker_client, tomcat01)[mynet.network] == mynet.tomcat01_ip
    code, output = ping(tomcat01, mynet.name("tomcat-net-01"))
    assert code == 0, output


def test_a_container_removed_by_hand_is_recreated_at_its_address_and_found_by_name(deployed, docker_client):
    mynet = deployed.mynet
    net01, net02 = mynet.name("tomcat-net-01"), mynet.name("tomcat-net-02")
    docker_client.api.remove_container(net02, force=True)
    assert deployed.up_refresh() == {"create": 1}
    assert _networks_of(docker_client, net02) == {mynet.network: mynet.tomcat_net_02_ip}
    assert resolve(net01, net02) == mynet.tomcat_net_02_ip
    code, output = ping(net01, net02)
    assert code == 0, output
    # Repaired: the next preview, refreshed or not, plans nothing.
    assert changes_only(preview_ops(deployed.stack, refresh=True)[0]) == {}


def test_destroy_succeeds_after_a_container_and_the_connection_were_removed_by_hand(deployed, docker_client, run):
    mynet = deployed.mynet
    docker_client.api.disconnect_container_from_network(mynet.name("tomcat01"), mynet.network)
    docker_client.api.remove_container(mynet.name("tomcat-net-01"), force=True)
    assert destroy_and_list_leftovers(deployed.stack, run.prefix) == {"containers": [], "networks": [], "volumes": []}
