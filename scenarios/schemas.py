"""Every stack's settings schema by scenario, for what looks at all of them: the docs' tables
(scripts/settings_tables.py) and the tests. A program imports only its own scenario's."""

from typing import Dict, Type

from .modes_settings import ModesStackConfig
from .overlay_settings import OverlayStackConfig
from .redis_settings import RedisStackConfig
from .stack_settings import StackConfig
from .swarm import SwarmStackConfig
from .tomcat_settings import BridgeStackConfig, LinkStackConfig, MynetStackConfig

STACK_CONFIGS: Dict[str, Type[StackConfig]] = {
    "bridge": BridgeStackConfig,
    "link": LinkStackConfig,
    "mynet": MynetStackConfig,
    "redis": RedisStackConfig,
    "modes": ModesStackConfig,
    "overlay": OverlayStackConfig,
    "swarm": SwarmStackConfig,
}
