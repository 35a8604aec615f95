#!/usr/bin/env bash
# Ensures a Docker engine answers: the running one, else Debian's docker.io started in the background.
set -euo pipefail
LOG_TAG=engine
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if docker info >/dev/null 2>&1; then
  log "engine: running ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"; exit 0
fi
if ! command -v dockerd >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "no Docker engine and not root: install docker.io (apt-get install docker.io) and start it"
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || log "apt-get update failed; trying the cached package lists"
  apt-get install -y -q docker.io >&2
fi
[[ $(id -u) -eq 0 ]] || die "dockerd is installed but not running, and starting it needs root"
mkdir -p "$CACHE_DIR"
log "starting dockerd (log: $CACHE_DIR/dockerd.log)"
# setsid: the engine outlives the make/CI step that started it.
setsid nohup dockerd >"$CACHE_DIR/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then log "engine: up after $(elapsed)"; exit 0; fi
  sleep 1
done
tail -n 20 "$CACHE_DIR/dockerd.log" >&2 || true
die "dockerd did not answer within 60 s (see $CACHE_DIR/dockerd.log)"
