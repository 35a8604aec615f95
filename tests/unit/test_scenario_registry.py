"""The scenario registry: every name has a builder, and a program loads only the scenario it deploys."""

import subprocess
import sys

import scenarios
from harness.project_copy import REPO_ROOT


def test_every_scenario_name_has_a_build_function():
    for name in scenarios.SCENARIOS:
        assert callable(scenarios._builder(name)), name


def test_choosing_a_scenario_imports_no_other_scenario():
    # A fresh interpreter: this test process has long imported every scenario.
    probe = (
        "import sys, scenarios; scenarios._builder('redis'); "
        "print(sorted(m for m in sys.modules if m.startswith('scenarios.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    loaded = done.stdout.strip()
    assert "'scenarios.redis'" in loaded
    for other in ("bridge", "link", "mynet", "tomcat_settings"):
        assert f"'scenarios.{other}'" not in loaded, loaded
