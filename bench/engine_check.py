"""Figure g: what the program's engine check costs each `pulumi up`, `preview` and `destroy`.

The first thing the program does (scenarios.build_scenario) is to resolve the engine as the docker CLI
would (DOCKER_HOST, a context, ssh://) and ask it its API version through docker-py. Timed in a fresh
Python process, as the language host starts the program: the imports of docker-py and requests count,
Pulumi's own does not.
"""

import json
import subprocess
import sys
from typing import Mapping

from harness.project_copy import REPO_ROOT

# Runs in the child: the clock starts after `import pulumi`, which every program run has done before the
# check, and before the first import of the project's engine modules.
_PROBE = """
import json, os, time
import pulumi
started = time.perf_counter()
from components.engine.target import ProviderSettings, require_one_engine, require_supported_engine
require_supported_engine(require_one_engine(ProviderSettings(), os.environ))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def engine_check_seconds(env: Mapping[str, str]) -> float:
    """One timed engine check against the engine `env` names; raises with the child's words on failure."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO_ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the engine check failed: {done.stderr.strip() or done.stdout.strip()}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
