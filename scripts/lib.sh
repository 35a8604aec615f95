# Shared by the set-up scripts: paths, pinned versions, progress messages. Sourced, never run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Built binaries live outside the clone, keyed by version, so a fresh clone on the same machine reuses them.
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac"
CONFIG_DIR="${XDG_CONFIG_HOME:-$HOME/.config}/docker-networking-iac"
TOOLS_BIN="$REPO_ROOT/.tools/bin"
VENV="$REPO_ROOT/.venv"
PYTHON="$VENV/bin/python"

# The Pulumi CLI built when the official installer cannot be reached. The newest release whose Go
# modules this machine's module proxy serves; the Python SDK (requirements.txt) may be a little older.
PULUMI_CLI_VERSION="3.274.1"

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
