#!/usr/bin/env bash
# Ensures a Docker engine answers: the one DOCKER_HOST (or the docker CLI's context) names, or the local
# one. Only on the project's own build machines (root, no engine running) does it install Debian's
# docker.io and start it in the background; anyone else gets the command that fixes what is missing.
set -euo pipefail
LOG_TAG=engine
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

command -v docker >/dev/null || [[ $(id -u) -eq 0 ]] \
  || die "the docker command is missing: install Docker (docker-ce, or Docker Desktop) and run this again"
where="${DOCKER_HOST:-the local engine (unix:///var/run/docker.sock)}"
if command -v docker >/dev/null; then
  if answer="$(docker info --format '{{.ServerVersion}}' 2>&1)"; then
    log "engine: running (Docker $answer, ${DOCKER_HOST:-local})"; exit 0
  fi
  if grep -qi "permission denied" <<<"$answer"; then
    die "permission denied on the engine's socket ($where). Fix: add yourself to the docker group" \
        "(sudo usermod -aG docker $(id -un), then log out and in again), or set DOCKER_HOST to an engine you may use"
  fi
  if [[ -n "${DOCKER_HOST:-}" || $(id -u) -ne 0 ]]; then
    printf '%s\n' "$answer" | tail -n 3 >&2
    die "no Docker engine answers at $where. Fix: start it (sudo systemctl start docker, or open Docker" \
        "Desktop)${DOCKER_HOST:+, or correct or unset DOCKER_HOST}"
  fi
fi
# Root and no engine: this project's build machines. Debian's docker.io, started in the background.
if ! command -v dockerd >/dev/null; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || log "apt-get update failed; trying the cached package lists"
  apt-get install -y -q docker.io >&2
fi
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
