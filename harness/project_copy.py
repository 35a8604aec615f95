"""A throw-away copy of the project with its own state backend, on the toolchain `make setup` installed.

Tests and benchmarks deploy the shipped stacks from such a copy, so what they write (stack config,
state) never touches the repository or the person's own stacks.
"""

import compileall
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "requirements.txt", "components", "scenarios", "stacks")
# The program without the stacks' settings, which a deployed copy keeps when its program is replaced.
PROGRAM_FILES = tuple(name for name in PROJECT_FILES if name != "stacks")
# Where no registry answers, runs select the images built from Debian packages by scripts/images.sh.
LOCAL_IMAGES = {
    "tomcatImage": os.environ.get("DOCKER_NETWORKING_TOMCAT_IMAGE", "docker-networking/tomcat:local"),
    "redisImage": os.environ.get("DOCKER_NETWORKING_REDIS_IMAGE", "docker-networking/redis:local"),
}


def toolchain_env() -> Dict[str, str]:
    """This process's environment plus what `make -s env` prints (tools on PATH, backend, passphrase)."""
    printed = subprocess.run([str(REPO_ROOT / "scripts" / "env.sh")], check=True, capture_output=True, text=True).stdout
    env = dict(os.environ)
    for line in printed.splitlines():
        if line.startswith("unset "):  # a Docker context handed over as DOCKER_HOST
            env.pop(line.removeprefix("unset ").strip(), None)
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip('"').replace("${PATH}", os.environ.get("PATH", ""))
    return env


def _forget_encryption_salts(stacks_dir: Path) -> None:
    """The copy has its own backend and passphrase: the salts `make setup` wrote for the person's own
    stacks would make Pulumi reject that passphrase ("incorrect passphrase")."""
    for stack_file in stacks_dir.glob("Pulumi.*.yaml"):
        lines = stack_file.read_text().splitlines(keepends=True)
        stack_file.write_text("".join(line for line in lines if not line.startswith("encryptionsalt:")))


def copy_program(source: Path, root: Path, names: Sequence[str] = PROJECT_FILES) -> None:
    """The project's files `names` from `source` (a checkout) into `root`, replacing what `root` had of them."""
    for name in names:
        origin, target = source / name, root / name
        if target.is_dir():
            shutil.rmtree(target)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif origin.exists():
            shutil.copy2(origin, target)
    _forget_encryption_salts(root / "stacks")
    # Bytecode once for the copy, as scripts/setup.sh does for the repository: PYTHONDONTWRITEBYTECODE
    # would otherwise make every pulumi command compile the program's modules again.
    for package in ("components", "scenarios"):
        compileall.compile_dir(str(root / package), quiet=1)


def make_project_copy(workdir: Path, passphrase: str, source: Path = REPO_ROOT) -> "tuple[Path, Dict[str, str]]":
    """Copy the project (or the checkout at `source`) under `workdir`; returns its root and the environment
    to run Pulumi in it."""
    root = workdir / "project"
    root.mkdir(parents=True)
    copy_program(source, root)
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    state = workdir / "state"
    state.mkdir()
    env = toolchain_env()
    env.update({"PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": passphrase})
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    return root, env
