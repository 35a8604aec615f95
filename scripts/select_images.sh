#!/usr/bin/env bash
# Before `make up/preview`: a stack that names no image uses the public default when it is here or
# can be pulled; otherwise the image built locally from Debian packages (built now when we are root),
# and we say so. An image the person configured is never changed. On a Swarm (the swarm and overlay
# stacks) "here" is every node that runs tasks: the public default when the nodes have it or can pull
# it, else the local image when they all have it (`make swarm-up` loads it into each node's engine).
set -euo pipefail
LOG_TAG=images
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
stack="${1:?usage: select_images.sh STACK}"
cd "$REPO_ROOT"

scenario="$(pulumi config get -s "$stack" scenario 2>/dev/null || true)"
on_swarm=""
case "$scenario" in
  redis) key=redisImage kind=redis local_image="$LOCAL_REDIS_IMAGE" ;;
  bridge|link|mynet|modes) key=tomcatImage kind=tomcat local_image="$LOCAL_TOMCAT_IMAGE" ;;
  swarm) key=redisImage kind=redis local_image="$LOCAL_REDIS_IMAGE" on_swarm=1 ;;
  overlay) key=tomcatImage kind=tomcat local_image="$LOCAL_TOMCAT_IMAGE" on_swarm=1 ;;
  *) exit 0 ;;  # the program itself reports an unknown scenario, naming the setting
esac
if pulumi config get -s "$stack" "$key" >/dev/null 2>&1; then exit 0; fi
public="$("$PYTHON" -c "from components.images.names import DEFAULT_IMAGES; print(DEFAULT_IMAGES['$key'])")"

if [[ -n "$on_swarm" ]]; then
  # The nodes' engines are asked (DOCKER_HOST, the manager, and DOCKER_NETWORKING_SWARM_HOSTS), not this
  # machine's: components/swarm/image_choice.py.
  status=0
  answer="$("$PYTHON" -m components.swarm.image_choice "$public" "$local_image")" || status=$?
  if [[ $status -eq 3 ]]; then  # neither image will do
    die "no image for stack '$stack': $answer. Fix: \`sudo make swarm-up\` (loads $local_image into every node" \
      "of the local Swarm), or \`pulumi config set -s $stack $key <an image the Swarm's nodes have>\`"
  fi
  [[ $status -eq 0 ]] || die "could not ask the Swarm's nodes for $public (see above)"
  { read -r chosen; read -r why || true; } <<<"$answer"
  [[ "$chosen" != "$public" ]] || exit 0
else
  if docker image inspect "$public" >/dev/null 2>&1 || timeout 30 docker pull -q "$public" >/dev/null 2>&1; then
    exit 0
  fi
  if ! docker image inspect "$local_image" >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] || die "no image for stack '$stack': $public cannot be pulled and $local_image is not" \
      "built. Fix: \`sudo make images\` (builds it from Debian packages), or \`pulumi config set -s $stack" \
      "$key <an image the engine has>\`"
    "$REPO_ROOT/scripts/images.sh" "$kind" >/dev/null
  fi
  why="no registry answers for $public"
fi
pulumi config set -s "$stack" "$key" "$local_image"
log "$why: stack '$stack' now uses $local_image (pulumi config set $key to change)"
