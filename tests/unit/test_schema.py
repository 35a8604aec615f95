"""The settings schema (components/schema.py): each kind in both forms Pulumi stores, bounds and choices, unknown
keys at every level with "did you mean", the stack's namespace read whole, and the rows the docs show."""

import dataclasses
from typing import Any, Dict, List, Mapping, Optional

import pulumi
import pytest

from components.errors import ConfigError
from components.schema import (
    Checked,
    Flag,
    Integer,
    MapOf,
    Object,
    OneOf,
    Row,
    Text,
    check_values,
    declared_settings,
    describe_settings,
    parse_object,
    parse_stack,
    reject_unknown_keys,
    require_mapping,
    setting,
)
from scenarios.redis_settings import RedisStackConfig
from scenarios.stack_settings import namespace_values, read_stack
from scenarios.tomcat_settings import BridgeStackConfig


def refused(call: Any, *args: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return caught.value


def _even(setting_key: str, value: Any) -> int:
    if not isinstance(value, int) or value % 2:
        raise ConfigError(setting_key, f"{value!r} is odd", "use an even number")
    return value


@dataclasses.dataclass(frozen=True)
class Inner:
    depth: int = setting(Integer(low=1, high=9), "how deep", 3)


@dataclasses.dataclass(frozen=True)
class Outer:
    enabled: bool = setting(Flag(), "on or off", True)
    colour: str = setting(OneOf(("red", "green")), "which colour", "red")
    label: Optional[str] = setting(Text("label text"), "what it says")
    inner: Inner = setting(Object(Inner), "the inner group", Inner())
    ports: Mapping[str, int] = setting(MapOf(Integer(), "service", ("web", "api")), "ports by service", {})
    sizes: List[int] = setting(Checked(lambda key, value: list(value), "list of sizes"), "sizes", [])
    even: int = setting(Checked(_even, "even number"), "an even one", 2, shown_default="two")


# --- kinds ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [(True, True), ("false", False), (" TRUE ", True)])
def test_a_flag_from_yaml_or_from_the_cli(value, expected):
    assert Flag().parse("s", value) is expected


def test_not_a_flag():
    with pytest.raises(ConfigError, match="'yes' is not true or false"):
        Flag().parse("docker-networking:keepImages", "yes")
    assert "true or false" in refused(Flag().check, "s", "true").fix  # the program's own values are not text


@pytest.mark.parametrize("value, expected", [(3, 3), ("3", 3), (" -2 ", -2), ("0", 0)])
def test_an_integer_from_yaml_or_from_the_cli(value, expected):
    assert Integer().parse("s", value) == expected


@pytest.mark.parametrize("value", ["three", "3.0", 3.5, True, "--3", "3-", None, "", "³"])
def test_not_an_integer(value):
    error = refused(Integer().parse, "docker-networking:redis.masters", value)
    assert error.problem == f"{value!r} is not an integer"
    assert error.fix == "write a whole number, e.g. 3"


def test_bounds_say_the_range_and_the_declared_fix():
    assert refused(Integer(low=3, fix="use three or more").parse, "s", "2").fix == "use three or more"
    error = refused(Integer(low=5, high=10).check, "s", 11)
    assert error.problem == "11 is out of range (must be between 5 and 10)"
    assert error.fix == "use a number that is between 5 and 10"
    assert refused(Integer(high=1).check, "s", 2).problem == "2 is out of range (must be at most 1)"
    assert Integer(low=5, high=10).check("s", 5) == 5


def test_text_is_only_a_string():
    assert Text().parse("s", "x") == "x"
    error = refused(Text().parse, "docker-networking:redis.bindAddress", 127)
    assert (error.problem, error.fix) == ("127 is not a string", "write a quoted string")


def test_one_of_the_choices_with_its_own_words():
    kind = OneOf(("no", "always"), problem="{value!r} is not a Docker restart policy")
    assert kind.parse("s", "always") == "always"
    error = refused(kind.parse, "s", "sometimes")
    assert (error.problem, error.fix) == ("'sometimes' is not a Docker restart policy", "use one of no, always")


def test_a_map_keeps_to_its_keys_and_reads_each_value():
    kind = MapOf(Integer(), "service", ("web", "api"))
    assert kind.parse("s", '{"web": "80", "api": null}') == {"web": 80}  # JSON text; an empty value is left out
    error = refused(kind.parse, "docker-networking:x.ports", {"wbe": 1})
    assert error.setting == "docker-networking:x.ports.wbe"
    assert error.fix == "use one of: api, web (did you mean 'web'?)"
    assert refused(kind.parse, "x.ports", {"web": "eighty"}).setting == "x.ports.web"


def test_structured_values_arrive_as_objects_or_json_text():
    assert require_mapping("s", {"a": 1}) == {"a": 1}
    assert require_mapping("s", '{"a": 1}') == {"a": 1}
    assert require_mapping("s", None) == {}
    error = refused(require_mapping, "docker-networking:mynet", "[1, 2]")
    assert error.setting == "docker-networking:mynet"
    assert error.problem == "expected an object of keys and values"
    assert "pulumi config set --path 'docker-networking:mynet.KEY' VALUE" in error.fix


def test_unknown_key_message():
    error = refused(reject_unknown_keys, "docker-networking:bridge", {"hostports": {}}, ["publishAddress", "hostPorts"])
    assert str(error) == (
        "invalid setting 'docker-networking:bridge.hostports': 'hostports' is not a "
        "setting here. Fix: use one of: hostPorts, publishAddress (did you mean 'hostPorts'?)"
    )
    assert "did you mean" not in refused(reject_unknown_keys, "s", {"zzz": 1}, ["publishAddress"]).fix


# --- groups ---------------------------------------------------------------------------------------------


def test_keys_are_the_fields_in_camel_case_unless_declared():
    assert [item.key for item in declared_settings(Outer)] == [
        "enabled",
        "colour",
        "label",
        "inner",
        "ports",
        "sizes",
        "even",
    ]
    assert [item.key for item in declared_settings(RedisStackConfig)] == [
        "scenario",
        "namePrefix",
        "keepImages",
        "redisImage",
        "redisPassword",
        "redis",
    ]


def test_absent_keys_keep_their_defaults_and_mutable_ones_are_not_shared():
    first, second = parse_object(Outer, "s", None), parse_object(Outer, "s", "{}")
    assert first == Outer() and first.inner == Inner(depth=3) and first.label is None
    assert first.ports == {} and first.ports is not second.ports


def test_a_group_reads_every_level_in_both_forms():
    parsed = parse_object(
        Outer,
        "docker-networking:outer",
        '{"enabled": "false", "colour": "green", "inner": {"depth": "9"}, "ports": {"api": 8080}, "even": 4}',
    )
    assert parsed == Outer(enabled=False, colour="green", inner=Inner(depth=9), ports={"api": 8080}, even=4)
    assert parse_object(Outer, "s", {"label": None}).label is None  # an empty value in YAML: the default


@pytest.mark.parametrize(
    "raw, setting_key, fix",
    [
        ({"enabeld": True}, "s.enabeld", "did you mean 'enabled'?"),
        ({"inner": {"dept": 2}}, "s.inner.dept", "use one of: depth (did you mean 'depth'?)"),
        ({"ports": {"apj": 1}}, "s.ports.apj", "did you mean 'api'?"),
    ],
)
def test_a_mistyped_key_is_refused_at_every_level(raw, setting_key, fix):
    error = refused(parse_object, Outer, "s", raw)
    assert error.setting == setting_key and fix in error.fix
    assert "is not a setting here" in error.problem


@pytest.mark.parametrize(
    "raw, setting_key, problem",
    [
        ({"inner": {"depth": 0}}, "s.inner.depth", "0 is out of range (must be between 1 and 9)"),
        ({"inner": "deep"}, "s.inner", "expected an object of keys and values"),
        ({"colour": "blue"}, "s.colour", "'blue' is not one of the choices"),
        ({"even": 3}, "s.even", "3 is odd"),
    ],
)
def test_a_bad_value_names_its_setting(raw, setting_key, problem):
    error = refused(parse_object, Outer, "s", raw)
    assert (error.setting, error.problem) == (setting_key, problem)


def test_values_given_directly_are_checked_as_declared():
    check_values(Outer, "s", Outer())
    error = refused(check_values, Outer, "docker-networking:outer", Outer(colour="blue"))
    assert error.setting == "docker-networking:outer.colour"
    check_values(Outer, "s", Outer(inner=Inner(depth=100)))  # a nested group is its own caller's to check


# --- the stack's namespace ------------------------------------------------------------------------------


def test_a_mistyped_top_level_key_is_refused_with_the_ones_the_scenario_has():
    error = refused(
        parse_stack, RedisStackConfig, {"scenario": "redis", "redisImag": "x"}, "docker-networking", "redis"
    )
    assert str(error) == (
        "invalid setting 'docker-networking:redisImag': 'redisImag' is not a setting of the redis scenario. "
        "Fix: use one of: keepImages, namePrefix, redis, redisImage, redisPassword, scenario "
        "(did you mean 'redisImage'?); or remove it: pulumi config rm docker-networking:redisImag"
    )


def test_a_top_level_key_of_another_scenario_is_refused():
    error = refused(parse_stack, RedisStackConfig, {"tomcatImage": "tomcat:10.1"}, "docker-networking", None)
    assert error.setting == "docker-networking:tomcatImage"
    assert error.problem == "'tomcatImage' is not a setting of this stack"


def test_top_level_values_are_read_as_pulumi_stores_them():
    stack = parse_stack(
        RedisStackConfig,
        {"scenario": "redis", "keepImages": "false", "redis": '{"masters": 4}', "namePrefix": "it-abc123-"},
        "docker-networking",
    )
    assert (stack.keep_images, stack.redis.masters, stack.name_prefix) == (False, 4, "it-abc123-")
    assert stack.redis_image == "redis:7.4" and stack.redis_password is None


def _set_config(values: Dict[str, str]) -> None:
    pulumi.runtime.set_all_config(values)


@pytest.fixture
def runtime_config():
    yield _set_config
    pulumi.runtime.set_all_config({})


def test_the_namespace_is_read_whole_from_the_runtime_and_other_namespaces_are_left_alone(runtime_config, monkeypatch):
    runtime_config(
        {
            "docker-networking:scenario": "bridge",
            "docker-networking:bridge": '{"hostPorts": {"tomcat01": 8081}}',
            "docker:host": "unix:///var/run/docker.sock",
            "other:bridgee": "x",
        }
    )
    monkeypatch.setenv("PULUMI_CONFIG", '{"docker-networking:keepImages": "false"}')
    assert namespace_values("docker-networking") == {
        "scenario": "bridge",
        "bridge": '{"hostPorts": {"tomcat01": 8081}}',
        "keepImages": "false",
    }
    stack = read_stack(BridgeStackConfig, pulumi.Config("docker-networking"))
    assert stack.bridge.host_ports == {"tomcat01": 8081} and stack.keep_images is False


def test_reading_the_stack_refuses_a_mistyped_key_naming_its_scenario(runtime_config):
    runtime_config({"docker-networking:scenario": "bridge", "docker-networking:tomcatImag": "tomcat:10.1"})
    error = refused(read_stack, BridgeStackConfig, pulumi.Config("docker-networking"))
    assert error.setting == "docker-networking:tomcatImag"
    assert "of the bridge scenario" in error.problem and "did you mean 'tomcatImage'?" in error.fix


# --- the docs' rows -------------------------------------------------------------------------------------


def test_rows_show_each_setting_a_nested_groups_in_its_place():
    rows = list(describe_settings(Outer))
    assert [row.key for row in rows] == [
        "enabled",
        "colour",
        "label",
        "inner.depth",
        "ports",
        "sizes",
        "even",
    ]
    by_key = {row.key: row for row in rows}
    assert by_key["enabled"] == Row("enabled", "`true` or `false`", "`true`", "on or off")
    assert by_key["inner.depth"].type == "integer, 1–9"
    assert by_key["colour"].type == "one of `red`, `green`"
    assert by_key["ports"] == Row("ports", "{service: integer}", "`{}`", "ports by service")
    assert (by_key["label"].default, by_key["sizes"].default, by_key["even"].default) == ("*(unset)*", "`[]`", "two")
