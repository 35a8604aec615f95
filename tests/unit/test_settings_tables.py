"""The settings tables in docs/ are written from the stacks' schemas (scripts/settings_tables.py): every one
is current, and the tables show each setting once."""

import importlib.util
from types import ModuleType

import pytest

import scenarios
from harness.project_copy import REPO_ROOT
from scenarios.schemas import STACK_CONFIGS


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("settings_tables", REPO_ROOT / "scripts" / "settings_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tables = _load_script()


def test_every_settings_table_in_the_docs_is_current():
    stale = [str(path.relative_to(REPO_ROOT)) for path in tables.stale_docs()]
    assert stale == [], f"settings tables not current in {stale}: run `make docs`"


def test_every_scenario_has_a_schema():
    assert sorted(STACK_CONFIGS) == sorted(scenarios.SCENARIOS)


def test_the_docs_show_every_stack():
    shown = " ".join(
        found.group("spec")
        for path in sorted(tables.DOCS.glob("*.md"))
        for found in tables.TABLE.finditer(path.read_text())
    )
    assert {word for word in shown.split() if not word.startswith("keys=")} == set(STACK_CONFIGS)


def test_settings_the_stacks_share_are_shown_once_and_a_scenarios_own_under_its_name():
    keys = [row.key for row in tables.table_rows(["bridge", "link", "mynet"])]
    assert keys[:6] == [
        "scenario",
        "namePrefix",
        "keepImages",
        "tomcatImage",
        "<scenario>.publishAddress",
        "<scenario>.hostPorts",
    ]
    assert "mynet.staticIps" in keys and "mynet.network.subnet" in keys
    assert not any(key.startswith(("bridge.", "link.")) for key in keys)
    assert len(keys) == len(set(keys))


def test_one_stack_shows_its_own_names_and_keys_narrow_it():
    assert [row.key for row in tables.table_rows(["swarm"], keys=["swarm"])] == ["swarm.nodes", "swarm.nodeEngines"]
    assert "redis.masters" in [row.key for row in tables.table_rows(["redis"])]


def test_a_table_is_rewritten_between_its_markers_only():
    text = "before\n<!-- settings-table: swarm keys=swarm -->\nold\n<!-- /settings-table -->\nafter\n"
    written = tables.current(text)
    assert written.startswith("before\n<!-- settings-table: swarm keys=swarm -->\n| key | type | default | meaning |")
    assert "| `swarm.nodes` | list of node hostnames |" in written
    assert written.endswith("<!-- /settings-table -->\nafter\n") and "old" not in written
    assert tables.current(written) == written


def test_a_marker_naming_no_stack_is_an_error():
    with pytest.raises(ValueError, match="no stack named 'redix'"):
        tables.current("<!-- settings-table: redix -->\n<!-- /settings-table -->\n")
