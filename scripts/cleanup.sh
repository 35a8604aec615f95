#!/usr/bin/env bash
# Removes every container, network and volume labelled by this project (images are kept).
# The test run calls it before it starts and after it ends; `make clean` calls it by hand.
set -euo pipefail
LOG_TAG=cleanup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
label="io.docker-networking.project=docker-networking"
docker info >/dev/null 2>&1 || { log "no engine answers; nothing to clean"; exit 0; }
containers="$(docker ps -aq --filter "label=$label")"
[[ -n "$containers" ]] && docker rm -f -v $containers >/dev/null
networks="$(docker network ls -q --filter "label=$label")"
[[ -n "$networks" ]] && docker network rm $networks >/dev/null
volumes="$(docker volume ls -q --filter "label=$label")"
[[ -n "$volumes" ]] && docker volume rm -f $volumes >/dev/null
log "removed $(wc -w <<<"$containers") containers, $(wc -w <<<"$networks") networks, $(wc -w <<<"$volumes") volumes"
