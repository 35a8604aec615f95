"""Which of the run's containers a `pulumi up` replaced, and in which order: what the day-2 events check
(a live setting replaces none, a roll replaces every one). Pure: soak/stack.py reads the containers."""

from dataclasses import dataclass
from typing import List, Mapping, Tuple


@dataclass(frozen=True)
class Container:
    """One node's container as the engine reports it."""

    id: str
    image: str  # the ID of the image it runs
    created: str  # RFC 3339, UTC, as the engine gives it


def instant(created: str) -> Tuple[str, str]:
    """A creation time that sorts: the engine drops trailing zeros of the fraction (…05.1Z, …05.123Z)."""
    seconds, _, fraction = created.rstrip("Z").partition(".")
    return seconds, fraction.ljust(9, "0")


def replaced(before: Mapping[str, Container], after: Mapping[str, Container]) -> List[str]:
    """The nodes of `after` whose container is not the one of `before`, in the order they were created."""
    new = [name for name, container in after.items() if name not in before or before[name].id != container.id]
    return sorted(new, key=lambda name: instant(after[name].created))


def kept(before: Mapping[str, Container], after: Mapping[str, Container]) -> List[str]:
    """The nodes whose container `after` is still the one of `before`."""
    return sorted(name for name, container in after.items() if name in before and before[name].id == container.id)
