"""The pure pieces behind the stack outputs."""

from scenarios.tomcat_outputs import summarize_container


def test_summary_lists_networks_ports_and_hosts_like_docker_does():
    summary = summarize_container(
        "dev-tomcat01",
        "c" * 64,
        network_data=[{"network_name": "bridge", "ip_address": "172.17.0.4"}],
        ports=[{"ip": "127.0.0.1", "external": 49153, "internal": 8080, "protocol": "tcp"}],
        hosts=[{"ip": "172.17.0.3", "host": "tomcat02 e20a7e22a6c9"}],
        connected=[("mynet", "192.168.0.3")],
    )
    assert summary == {
        "name": "dev-tomcat01",
        "id": "c" * 64,
        "networks": {"bridge": "172.17.0.4", "mynet": "192.168.0.3"},
        "ports": ["127.0.0.1:49153->8080/tcp"],
        "hosts": ["172.17.0.3 tomcat02 e20a7e22a6c9"],
    }


def test_summary_of_a_container_with_nothing_published():
    assert summarize_container("tomcat02", "d" * 64, [], None, None) == {
        "name": "tomcat02",
        "id": "d" * 64,
        "networks": {},
        "ports": [],
        "hosts": [],
    }
