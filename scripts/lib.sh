# Shared by the set-up scripts: paths, pinned versions, progress messages. Sourced, never run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Built binaries live outside the clone, keyed by version, so a fresh clone on the same machine reuses them.
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac"
CONFIG_DIR="${XDG_CONFIG_HOME:-$HOME/.config}/docker-networking-iac"
TOOLS_BIN="$REPO_ROOT/.tools/bin"
VENV="$REPO_ROOT/.venv"
PYTHON="$VENV/bin/python"

# The oldest Pulumi CLI the project supports: that of the Python SDK it pins (requirements.txt), as Pulumi
# asks of every program (a CLI older than its SDK may lack what the SDK sends). A `pulumi` on PATH at least
# this new is used as it is.
MIN_PULUMI_VERSION="3.272.0"
# Otherwise the project installs this one: the official release, else a build from Go modules (the newest
# release whose modules this machine's module proxy serves).
PULUMI_CLI_VERSION="3.274.1"
# What the set-up decided about the toolchain, read by scripts/env.sh (PATH, a private PULUMI_HOME).
TOOLCHAIN_ENV="$REPO_ROOT/.tools/toolchain.env"
# Plugins the project had to build itself live here, never in the person's own plugin cache.
PRIVATE_PULUMI_HOME="$CACHE_DIR/pulumi-home"
# A file of this name beside a binary says the project built it from source (the bench reports it).
BUILT_MARKER="BUILT_FROM_SOURCE"

BACKEND_DIR="$HOME/.pulumi-docker-networking"
PASSPHRASE_FILE="$CONFIG_DIR/passphrase"

# Local images built from Debian packages when no registry answers.
LOCAL_REDIS_IMAGE="docker-networking/redis:local"
LOCAL_TOMCAT_IMAGE="docker-networking/tomcat:local"

_step_started=$SECONDS
log() { printf '[%s] %s\n' "${LOG_TAG:-setup}" "$*" >&2; }
elapsed() { printf '%ss' "$((SECONDS - _step_started))"; }
die() { log "ERROR: $*"; exit 1; }

# Run a long command, printing a heartbeat every 30 s so a ten-minute build is never silent.
with_heartbeat() {
  local what="$1"; shift
  local started=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if kill -0 "$pid" 2>/dev/null && (( (SECONDS - started) % 30 < 5 )); then
      log "$what: still running ($((SECONDS - started))s)"
    fi
  done
  wait "$pid"
}

# version_at_least HAVE WANT: true when dotted version HAVE >= WANT (a leading v is ignored).
version_at_least() {
  local have="${1#v}" want="${2#v}"
  have="${have%%[-+]*}"
  [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" == "$want" ]]
}

# The first `pulumi` on PATH that is not one the project put there itself.
pulumi_on_path() {
  PATH="$(tr ':' '\n' <<<"$PATH" | grep -vxF "$TOOLS_BIN" | paste -sd: -)" command -v pulumi || true
}

# The docker plugin version the installed pulumi_docker package declares (the one it will ask for).
docker_plugin_version() {
  "$PYTHON" -c 'import json, importlib.resources as r
print(json.loads((r.files("pulumi_docker") / "pulumi-plugin.json").read_text())["version"])'
}
