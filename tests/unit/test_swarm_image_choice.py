"""Which image `make up|preview` gives a Swarm stack that names none (components/swarm/image_choice.py, for
scripts/select_images.sh): the public default when the nodes have it or can pull it, else the local image
when every node has it, else neither; asked of each node's engine (the fake engine API)."""

from typing import Dict

import pytest

from components.swarm.image_choice import Choice, NoImage, choose_image

from .doubles.engine_api import NO_REGISTRY, FakeEngine
from .doubles.swarm import NODES

PUBLIC = "redis:7.4"
LOCAL = "docker-networking/redis:local"


def choice(engines: Dict[str, FakeEngine]) -> Choice:
    return choose_image(PUBLIC, LOCAL, list(NODES), {h: e.client for h, e in engines.items()})


def test_the_public_image_stays_when_every_node_can_pull_it_or_has_it(engines: Dict[str, FakeEngine]):
    engines["dn-swarm1"].add_image(PUBLIC)
    for hostname in ("dn-swarm2", "dn-swarm3"):
        engines[hostname].serve_from_registry(PUBLIC)
    assert choice(engines) == Choice(PUBLIC)
    assert not any("/images/docker-networking" in call for e in engines.values() for call in e.calls)


def test_the_local_image_when_a_node_cannot_get_the_public_one_and_every_node_has_the_local(
    engines: Dict[str, FakeEngine],
):
    for engine in engines.values():
        engine.add_image(LOCAL)
    engines["dn-swarm1"].serve_from_registry(PUBLIC)
    chosen = choice(engines)
    assert chosen.image == LOCAL
    assert chosen.why.startswith("Swarm nodes dn-swarm2 and dn-swarm3 have no image redis:7.4 and cannot pull it")
    assert NO_REGISTRY in chosen.why


def test_neither_when_a_node_lacks_the_local_image_too(engines: Dict[str, FakeEngine]):
    engines["dn-swarm1"].add_image(LOCAL)
    engines["dn-swarm2"].add_image(LOCAL)
    engines["dn-swarm3"].serve_from_registry(LOCAL)  # a registry's copy is no copy of the local build
    with pytest.raises(NoImage, match=f"; and {LOCAL} is not on dn-swarm3$"):
        choice(engines)
