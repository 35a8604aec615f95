#!/usr/bin/env bash
# Before `make up/preview`: a stack that names no image uses the public default when it is here or
# can be pulled; otherwise the stack is pointed at the image built locally from Debian packages, and
# we say so. An image the person configured is never changed.
set -euo pipefail
LOG_TAG=images
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
stack="${1:?usage: select_images.sh STACK}"
cd "$REPO_ROOT"

scenario="$(pulumi config get -s "$stack" scenario 2>/dev/null || true)"
case "$scenario" in
  redis) key=redisImage; local_image="$LOCAL_REDIS_IMAGE" ;;
  bridge|link|mynet) key=tomcatImage; local_image="$LOCAL_TOMCAT_IMAGE" ;;
  *) exit 0 ;;  # the program itself reports an unknown scenario, naming the setting
esac
if pulumi config get -s "$stack" "$key" >/dev/null 2>&1; then exit 0; fi
public="$("$PYTHON" -c "from components.image_names import DEFAULT_IMAGES; print(DEFAULT_IMAGES['$key'])")"
if docker image inspect "$public" >/dev/null 2>&1 || timeout 30 docker pull -q "$public" >/dev/null 2>&1; then
  exit 0
fi
pulumi config set -s "$stack" "$key" "$local_image"
log "no registry answers for $public: stack '$stack' now uses $local_image (pulumi config set $key to change)"
