"""LiveInventory: the engine's networks as the subnet check sees them, asked once per program run."""

from typing import Any, Dict, List

from components.engine.inventory import LiveInventory

from .doubles.engine_api import FakeEngine

NETWORKS: List[Dict[str, Any]] = [
    {"Name": "bridge", "Id": "b" * 64, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}, "Labels": {}},
    {
        "Name": "dual",
        "Id": "d" * 64,
        "IPAM": {"Config": [{"Subnet": "fd00::/64"}, {"Subnet": "10.9.0.0/24"}]},
        "Labels": {"team": "docs"},
    },
    {"Name": "host", "Id": "h" * 64, "IPAM": {"Config": None}, "Labels": None},
]


def with_networks(engine: FakeEngine) -> FakeEngine:
    engine.networks = {n["Id"]: dict(n) for n in NETWORKS}
    return engine


def test_networks_keep_their_ipv4_subnets_and_labels(engine):
    found = LiveInventory(client_factory=with_networks(engine).client).engine_networks()
    assert [(n.name, [str(s) for s in n.subnets], n.labels) for n in found] == [
        ("bridge", ["172.17.0.0/16"], {}),
        ("dual", ["10.9.0.0/24"], {"team": "docs"}),
        ("host", [], {}),
    ]
    assert engine.calls == ["GET /networks"]


def test_the_engine_is_asked_once_per_inventory(engine):
    inventory = LiveInventory(client_factory=with_networks(engine).client)
    first = inventory.engine_networks()
    first.clear()  # a caller changing its copy changes nothing for the next one
    assert [n.name for n in inventory.engine_networks()] == ["bridge", "dual", "host"]
    assert engine.calls == ["GET /networks"]
