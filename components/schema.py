"""Settings declared once: each setting's key, type, default, bounds or choices and one line of doc.

A group of settings is a frozen dataclass whose fields are declared with `setting(kind, doc, default)`: the
field's name gives the key (camelCase: `replicas_per_master` is `replicasPerMaster`), its annotation the
Python type, the Kind how a value is read and checked. From that one declaration come

- the parsing of what Pulumi stores, in both its forms: `true` or "true", 3 or "3" (`config set --path`
  stores text), an object as a dict or as JSON text; an empty value (null) keeps the default;
- the messages: a ConfigError naming the setting and the fix, "did you mean" for a mistyped key, at
  every level, the top level of the stack's namespace included (parse_stack);
- the settings tables in docs/ (describe_settings; scripts/settings_tables.py writes them).

No Pulumi beyond the error type: the dynamic providers' host imports the Redis settings too.
"""

import copy
import dataclasses
import difflib
import functools
import json
import re
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    TypeVar,
    cast,
)

from components.errors import ConfigError

T = TypeVar("T")
D = TypeVar("D")

_SETTING = "docker-networking.setting"  # where a field's Setting sits in its metadata
_WHOLE_NUMBER = re.compile(r"\s*-?[0-9]+\s*")


# --- kinds: what a value may be -------------------------------------------------------------------------


class Kind(Generic[T]):
    """A setting's type: how a value is checked, read from the stack, and described in the docs."""

    def check(self, setting: str, value: Any) -> T:
        """`value` as the program holds it (an int, a bool, ...), returned when it fits; else ConfigError."""
        raise NotImplementedError

    def parse(self, setting: str, value: Any) -> T:
        """`value` as Pulumi stores it; the same as check for a kind that has no text form of its own."""
        return self.check(setting, value)

    def describe(self) -> str:
        """The type as the docs' tables show it."""
        raise NotImplementedError


class Flag(Kind[bool]):
    def check(self, setting: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(setting, f"{value!r} is not true or false", "set it to true or false")

    def parse(self, setting: str, value: Any) -> bool:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return self.check(setting, value)

    def describe(self) -> str:
        return "`true` or `false`"


class Integer(Kind[int]):
    """A whole number, within `low` and `high` where given; `fix` says what to write instead of one out of
    range (by default: the range)."""

    def __init__(self, low: Optional[int] = None, high: Optional[int] = None, fix: Optional[str] = None) -> None:
        self.low, self.high, self.fix = low, high, fix

    def check(self, setting: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(setting, f"{value!r} is not an integer", "write a whole number, e.g. 3")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            bounds = self._bounds()
            raise ConfigError(
                setting, f"{value} is out of range (must be {bounds})", self.fix or f"use a number that is {bounds}"
            )
        return value

    def parse(self, setting: str, value: Any) -> int:
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
            value = int(value)
        return self.check(setting, value)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"integer, {self.low}–{self.high}"
        if self.low is not None:
            return f"integer ≥ {self.low}"
        return "integer" if self.high is None else f"integer ≤ {self.high}"

    def _bounds(self) -> str:
        if self.low is not None and self.high is not None:
            return f"between {self.low} and {self.high}"
        return f"at least {self.low}" if self.low is not None else f"at most {self.high}"


class Text(Kind[str]):
    """A string; `what` says what it holds, for the docs (its own checks come later, where it is used)."""

    def __init__(self, what: str = "string") -> None:
        self.what = what

    def check(self, setting: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ConfigError(setting, f"{value!r} is not a string", "write a quoted string")
        return value

    def describe(self) -> str:
        return self.what


class OneOf(Kind[str]):
    """One of `choices`; `problem` and `fix` may name {value!r} and {choices}."""

    def __init__(
        self,
        choices: Tuple[str, ...],
        problem: str = "{value!r} is not one of the choices",
        fix: str = "use one of {choices}",
    ) -> None:
        self.choices, self.problem, self.fix = choices, problem, fix

    def check(self, setting: str, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        raise ConfigError(setting, self.problem.format(value=value), self.fix.format(choices=", ".join(self.choices)))

    def describe(self) -> str:
        return "one of " + ", ".join(f"`{choice}`" for choice in self.choices)


class Checked(Kind[T]):
    """A type whose check lives with what uses it (an image reference, a TCP port, an IPv4 address): `checker`
    takes the setting and the value as Pulumi stores it and returns it checked, or raises ConfigError."""

    def __init__(self, checker: Callable[[str, Any], T], what: str) -> None:
        self.checker, self.what = checker, what

    def check(self, setting: str, value: Any) -> T:
        return self.checker(setting, value)

    def describe(self) -> str:
        return self.what


class Object(Kind[D]):
    """A group of settings under one key: the settings dataclass `group`, each of its fields a setting."""

    def __init__(self, group: Type[D]) -> None:
        self.group = group

    def check(self, setting: str, value: Any) -> D:
        return value if isinstance(value, self.group) else parse_object(self.group, setting, value)

    def describe(self) -> str:
        return "object"


class MapOf(Kind[Dict[str, T]]):
    """{key: value} with values of one kind, e.g. {container: host port}; `key` says what a key names, for
    the docs, and `keys`, where given, which keys it may have. A key whose value is empty is left out."""

    def __init__(self, value: Kind[T], key: str, keys: Optional[Tuple[str, ...]] = None) -> None:
        self.value, self.key, self.keys = value, key, keys

    def check(self, setting: str, value: Any) -> Dict[str, T]:
        given = require_mapping(setting, value)
        if self.keys is not None:
            reject_unknown_keys(setting, given, self.keys)
        return {str(key): self.value.parse(f"{setting}.{key}", item) for key, item in given.items() if item is not None}

    def describe(self) -> str:
        return f"{{{self.key}: {self.value.describe()}}}"


def require_mapping(setting: str, value: Any) -> Mapping[str, Any]:
    """A structured value (an object in the stack's YAML, or JSON text); None counts as empty."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        raise ConfigError(
            setting,
            "expected an object of keys and values",
            f"write it as a YAML mapping in the stack file, or pulumi config set --path '{setting}.KEY' VALUE",
        )
    return value


def reject_unknown_keys(setting: str, given: Iterable[Any], allowed: Iterable[str], where: str = "here") -> None:
    """A mistyped key would otherwise be ignored without a word. `setting` is the object's; the error names
    the key under it."""
    choices = sorted(allowed)
    for key in given:
        if key not in choices:
            raise _unknown_key(f"{setting}.{key}", str(key), choices, where)


def _unknown_key(setting: str, key: str, choices: List[str], where: str, fix_after: str = "") -> ConfigError:
    close = difflib.get_close_matches(key, choices, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(
        setting, f"'{key}' is not a setting {where}", f"use one of: {', '.join(choices)}{hint}{fix_after}"
    )


# --- declaring settings ---------------------------------------------------------------------------------


class Setting(NamedTuple):
    """One setting's declaration; the dataclass field it sits on gives its key and Python type."""

    kind: Kind[Any]
    doc: str  # one line, for the docs' tables
    default: Any = None  # None: unset
    shown_default: Optional[str] = None  # the docs' wording where the value alone would not say it
    key: Optional[str] = None  # where the key is not the camelCase of the field's name


def setting(
    kind: Kind[Any], doc: str, default: Any = None, *, shown_default: Optional[str] = None, key: Optional[str] = None
) -> Any:
    """A dataclass field that is a setting. Typed Any, as dataclasses.field is, so that the field's own
    annotation gives its type; a mutable default (an object, a list) is copied for every instance."""
    metadata = {_SETTING: Setting(kind, doc, default, shown_default, key)}
    if isinstance(default, (dict, list)) or dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=functools.partial(copy.deepcopy, default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class Declared(NamedTuple):
    key: str  # as a person types it
    name: str  # the dataclass field's
    setting: Setting


def declared_settings(group: type) -> Tuple[Declared, ...]:
    """The settings of a settings dataclass, in the order they are declared (a base class's first)."""
    return tuple(
        Declared(meta.key or camel_case(item.name), item.name, meta)
        for item in dataclasses.fields(group)
        for meta in [item.metadata.get(_SETTING)]
        if isinstance(meta, Setting)
    )


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- parsing --------------------------------------------------------------------------------------------


def parse_object(group: Type[D], setting: str, raw: Any) -> D:
    """The settings under `setting` (e.g. docker-networking:redis): unknown keys refused, absent ones left at
    their defaults."""
    given = require_mapping(setting, raw)
    reject_unknown_keys(setting, given, (item.key for item in declared_settings(group)))
    return _build(group, given, lambda key: f"{setting}.{key}")


def parse_stack(group: Type[D], values: Mapping[str, Any], namespace: str, scenario: Optional[str] = None) -> D:
    """A stack's settings from every key it sets under `namespace` (`values` by key, without the namespace).
    The keys a stack may set depend on its scenario: one that `group` does not declare is refused, as a
    mistyped key in an object is; keys of other namespaces (docker:host, ...) are not in `values`."""
    allowed = sorted(item.key for item in declared_settings(group))
    where = f"of the {scenario} scenario" if scenario else "of this stack"
    for key in values:
        if key not in allowed:
            fix_after = f"; or remove it: pulumi config rm {namespace}:{key}"
            raise _unknown_key(f"{namespace}:{key}", key, allowed, where, fix_after)
    return _build(group, values, lambda key: f"{namespace}:{key}")


def _build(group: Type[D], given: Mapping[str, Any], name_of: Callable[[str], str]) -> D:
    by_key = {item.key: item for item in declared_settings(group)}
    values = {
        by_key[key].name: by_key[key].setting.kind.parse(name_of(key), value)
        for key, value in given.items()
        if value is not None  # an empty value in YAML: the default
    }
    return cast(Any, group)(**values)


def check_values(group: type, setting: str, values: Any) -> None:
    """Each setting of `group` that `values` (an object with attributes of the same names, e.g. arguments a
    component was given directly) has, checked as its kind checks it; one that may be unset and is, and the
    groups nested in it, are left out."""
    for item in declared_settings(group):
        if isinstance(item.setting.kind, Object):
            continue
        value = getattr(values, item.name)
        if value is not None or item.setting.default is not None:
            item.setting.kind.check(f"{setting}.{item.key}", value)


# --- the docs' tables -----------------------------------------------------------------------------------


class Row(NamedTuple):
    key: str  # the path a person types: redis.network.subnet
    type: str
    default: str
    doc: str


def describe_settings(group: type, prefix: str = "") -> Iterator[Row]:
    """One row per setting, a nested group's settings in its place."""
    for item in declared_settings(group):
        path = prefix + item.key
        kind = item.setting.kind
        if isinstance(kind, Object):
            yield from describe_settings(kind.group, f"{path}.")
        else:
            yield Row(path, kind.describe(), shown_default(item.setting), item.setting.doc)


def shown_default(declared: Setting) -> str:
    if declared.shown_default is not None:
        return declared.shown_default
    value = declared.default
    if value is None:
        return "*(unset)*"
    if value == "":
        return "*(empty)*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (dict, list)):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"
