"""A package's public names, importable from the package, loaded only when asked for (PEP 562).

A dynamic provider's host unpickles it by its module path (components.redis.resources.formation, ...), which
runs the __init__ of every package above it: an __init__ that imported its public names would load the
program's components there too (pulumi_docker and all), at every start of that host.
"""

import importlib
from typing import Any, Callable, Dict, List, Mapping, Tuple


def lazy_exports(package: str, exports: Mapping[str, str]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """`__getattr__` and `__dir__` for `package`: exports maps each public name to the module it is in."""
    where: Dict[str, str] = dict(exports)

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    def __dir__() -> List[str]:
        return sorted(where)

    return __getattr__, __dir__
