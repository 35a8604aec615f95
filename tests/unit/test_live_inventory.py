"""LiveInventory: the engine's networks as the subnet check sees them, asked once per program run."""
from typing import Any, Dict, List

from components.host_networks import LiveInventory

NETWORKS = [
    {"Name": "bridge", "Id": "b" * 64, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}, "Labels": {}},
    {"Name": "dual", "Id": "d" * 64, "IPAM": {"Config": [{"Subnet": "fd00::/64"}, {"Subnet": "10.9.0.0/24"}]},
     "Labels": {"team": "docs"}},
    {"Name": "host", "Id": "h" * 64, "IPAM": {"Config": None}, "Labels": None},
]


class FakeNetwork:
    def __init__(self, attrs: Dict[str, Any]) -> None:
        self.attrs = attrs


class FakeClient:
    def __init__(self, calls: List[str]) -> None:
        self.calls = calls
        self.networks = self

    def list(self) -> List[FakeNetwork]:
        self.calls.append("list")
        return [FakeNetwork(attrs) for attrs in NETWORKS]

    def close(self) -> None:
        self.calls.append("close")


def test_networks_keep_their_ipv4_subnets_and_labels():
    calls: List[str] = []
    found = LiveInventory(client_factory=lambda: FakeClient(calls)).engine_networks()
    assert [(n.name, [str(s) for s in n.subnets], n.labels) for n in found] == [
        ("bridge", ["172.17.0.0/16"], {}), ("dual", ["10.9.0.0/24"], {"team": "docs"}), ("host", [], {})]
    assert calls == ["list", "close"]


def test_the_engine_is_asked_once_per_inventory():
    calls: List[str] = []
    inventory = LiveInventory(client_factory=lambda: FakeClient(calls))
    first = inventory.engine_networks()
    first.clear()  # a caller changing its copy changes nothing for the next one
    assert [n.name for n in inventory.engine_networks()] == ["bridge", "dual", "host"]
    assert calls == ["list", "close"]
