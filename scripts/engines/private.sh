#!/usr/bin/env bash
# A throw-away engine for the tests that stop or restart one (tests/integration/test_engine_restart.py):
# never the engine a person uses, nor the one the rest of the suite runs on.
#
#   scripts/engines/private.sh start     starts it (idempotent), with the redis image copied in; prints
#                                        DOCKER_HOST=... and ADDRESS=... (where its published ports answer)
#   scripts/engines/private.sh restart   its dockerd stopped (SIGTERM: containers stop cleanly), started again
#   scripts/engines/private.sh purge     stopped, with everything it ran and stored removed
#   scripts/engines/private.sh which     the engine it runs: DOCKER29_LABEL=... and DOCKER29_BIN_DIR=...
#
# It is the engine under test once more: the same binaries (the dockerd on PATH, or Docker 29.8.1 when the
# tests run inside `make test ENGINE=29`), started by docker29.sh in a network namespace of its own
# (dn-private) with its own data-root, exec-root, socket and cgroup parent, and a veth pair from the caller's
# namespace: it publishes ports on the far end, ADDRESS, which the caller reaches as a client on another
# host would. It needs root, as every engine the project starts does.
set -euo pipefail
LOG_TAG=private-engine
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ENGINES="$(dirname "$SELF")"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$ENGINES/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns_lib.sh
source "$ENGINES/netns_lib.sh"

usage() {
  sed -n '2,15p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Inside Docker 29's namespace (make test ENGINE=29: docker29.sh run names it) the engine under test is
# Docker 29.8.1; elsewhere the machine's own dockerd, with the containerd, shim and runc beside it on PATH.
choose_engine() {
  if [[ -n "${DOCKER29_NETNS:-}" ]]; then
    export DOCKER29_LABEL="a private Docker 29.8.1"
    return 0
  fi
  local dockerd_path
  dockerd_path="$(command -v dockerd || true)"
  [[ -n "$dockerd_path" ]] || die "no dockerd on PATH: the private engine runs the machine's own engine binaries"
  DOCKER29_BIN_DIR="$(dirname "$(readlink -f "$dockerd_path")")"
  DOCKER29_LABEL="a private $("$dockerd_path" --version | sed -n 's/^Docker version \([^,]*\),.*/Docker \1/p')"
  export DOCKER29_BIN_DIR DOCKER29_LABEL
}
export DOCKER29_STATE_DIR=/var/lib/docker-networking/private
export DOCKER29_RUN_DIR=/run/docker-networking/private
# Apart from docker29.sh's 10.199.29.0/30, the Swarm's 10.199.40.0/24 and the test runs' 10.200.0.0/13.
export DOCKER29_VETH_NET=10.199.31
export DOCKER29_DNS=0   # it pulls nothing: its one image is copied in
ADDRESS="$DOCKER29_VETH_NET.2"
# The engine the caller uses is where the image comes from.
export DOCKER29_SOURCE_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
IMAGE="${DOCKER_NETWORKING_REDIS_IMAGE:-$LOCAL_REDIS_IMAGE}"
DOCKER29="$ENGINES/docker29.sh"

cmd_start() {
  need_root start
  local host
  host="$("$DOCKER29" start)"
  "$DOCKER29" load-images "$IMAGE"
  echo "$host"
  echo "ADDRESS=$ADDRESS"
}

cmd_purge() {
  need_root purge
  "$DOCKER29" purge
  rm -f "$DOCKER29_RUN_DIR/docker29.lock"
  rmdir "$DOCKER29_RUN_DIR" 2>/dev/null || true
}

[[ " start restart purge which " == *" ${1:-} "* ]] || usage
choose_engine
export DOCKER29_NETNS=dn-private
case "$1" in
  start) cmd_start ;;
  restart) need_root restart; "$DOCKER29" restart >/dev/null ;;
  purge) cmd_purge ;;
  which) echo "DOCKER29_LABEL=$DOCKER29_LABEL"; echo "DOCKER29_BIN_DIR=${DOCKER29_BIN_DIR:-$("$DOCKER29" bin-dir)}" ;;
esac
