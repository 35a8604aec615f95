#!/usr/bin/env bash
# `make clean`: removes what test and benchmark runs left on the engine (containers, networks, volumes
# whose name-prefix label has a run's form, it-, bench- or soak-xxxxxx-). A person's stacks, which carry
# no such label, are never touched: remove those with `make destroy STACK=...`. Images are kept.
set -euo pipefail
LOG_TAG=cleanup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
docker info >/dev/null 2>&1 || { log "no engine answers; nothing to clean"; exit 0; }
cd "$REPO_ROOT" && exec "$PYTHON" -m harness.cleanup "$@"
