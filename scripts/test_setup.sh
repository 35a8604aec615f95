#!/usr/bin/env bash
# What only the tests (and the benchmark) need on top of scripts/setup.sh: redis-server on the host, with
# which the unit tests check every rendered redis.conf, and the images the test runs deploy (built from
# Debian packages where no registry answers), and Graphviz's dot for the stacks' pictures. Steps that need root
# say which command to run.
set -euo pipefail
LOG_TAG=test-setup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "redis-server is missing (the unit tests check each rendered redis.conf with it)." \
    "Fix: sudo apt-get install redis-server (or your system's redis package)"
  log "installing Debian's redis-server (the unit tests validate rendered configs with it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2; }
fi
if ! command -v dot >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "Graphviz's dot is missing (make topology and its tests draw with it)." \
    "Fix: sudo apt-get install graphviz"
  log "installing Debian's graphviz (make topology and its tests draw with dot)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends graphviz >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends graphviz >&2; }
fi
"$REPO_ROOT/scripts/images.sh" >&2
