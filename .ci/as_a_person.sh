#!/usr/bin/env bash
# CI, the project as a person uses it: an unprivileged user in the docker group, a Pulumi CLI on PATH (a
# copy of the one the set-up installed stands in for an official install, and the docker plugin the set-up
# has stands in for the one `pulumi` downloads), in a fresh clone, with no Go and no apt-get: shims in
# front of them record any call, and any call fails the run.
#   deploy   make up STACK=redis; keys written through the stack's `connect` hint; the containers noted
#   verify   the cluster is ok, with every key and the same containers; then make destroy leaves nothing
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=as-a-person
# shellcheck source=../scripts/lib.sh
source scripts/lib.sh
PERSON=dn-person
PERSON_HOME=/home/$PERSON
CLONE=$PERSON_HOME/docker-networking
STANDIN=/opt/docker-networking-ci
NODES=(redis-1 redis-2 redis-3 redis-4 redis-5 redis-6)

as_person() {  # a clean login environment; PATH: the shims, the stand-in CLI, the system's tools
  runuser -u "$PERSON" -- env -i HOME="$PERSON_HOME" USER="$PERSON" LOGNAME="$PERSON" LANG=C.UTF-8 \
    PATH="$STANDIN/shims:$STANDIN/pulumi/bin:/usr/local/bin:/usr/bin:/bin" bash -c "cd '$CLONE' && $1"
}

# A run stopped between deploy and verify (a session ended, a machine restarted) left the person's cluster
# on the engine, and its clone and state in the person's home: the owner destroys it with them, as a person
# would, before the fresh clone and state replace them (else the engine keeps objects no state knows, and
# this deploy finds their names taken).
destroy_earlier_deployment() {
  [[ -d "$CLONE/.git" && -d "$PERSON_HOME/.pulumi-docker-networking" ]] || return 0
  log "an earlier run's deployment is still in $PERSON's home: its owner destroys it first"
  as_person "make destroy STACK=redis ARGS=--yes" \
    || die "the earlier deployment in $CLONE could not be destroyed (its state is kept): see above"
}

prepare() {
  id -u "$PERSON" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$PERSON"
  usermod -aG docker "$PERSON"
  [[ "$(stat -c %G /var/run/docker.sock)" == docker ]] || die "the engine's socket is not the docker group's"
  # The stand-in CLI: a copy of what the set-up installed (root's cache is not readable by others).
  rm -rf "$STANDIN" && mkdir -p "$STANDIN/pulumi/bin" "$STANDIN/shims" "$STANDIN/plugin"
  cp -aL "$(dirname "$(readlink -f "$TOOLS_BIN/pulumi")")/." "$STANDIN/pulumi/bin/"
  local version
  version="$(docker_plugin_version)"
  cp "$(eval "$(scripts/env.sh)" && echo "${PULUMI_HOME:-$HOME/.pulumi}")/plugins/resource-docker-v$version/pulumi-resource-docker" \
     "$STANDIN/plugin/"
  : > "$STANDIN/forbidden-calls" && chmod 666 "$STANDIN/forbidden-calls"
  for tool in go apt-get apt dpkg gcc; do
    printf '#!/bin/sh\necho "%s $*" >> %s\nexit 1\n' "$tool" "$STANDIN/forbidden-calls" > "$STANDIN/shims/$tool"
  done
  chmod -R a+rX "$STANDIN" && chmod 755 "$STANDIN/shims"/*
  destroy_earlier_deployment
  rm -rf "$CLONE" "$PERSON_HOME/.pulumi" "$PERSON_HOME/.pulumi-docker-networking" "$PERSON_HOME/.cache" \
         "$PERSON_HOME/.config/docker-networking-iac"
  git clone --quiet "$PWD" "$CLONE" && chown -R "$PERSON:$PERSON" "$CLONE"
  as_person "pulumi plugin install resource docker $version --file $STANDIN/plugin/pulumi-resource-docker"
}

forbidden_calls_none() {
  [[ ! -s "$STANDIN/forbidden-calls" ]] || { cat "$STANDIN/forbidden-calls" >&2; die "the run called tools a person need not have"; }
}

container_ids() { docker inspect --format '{{.Name}} {{.Id}}' "${NODES[@]}"; }

case "${1:-}" in
  deploy)
    prepare
    log "as $PERSON (not root, groups: $(id -Gn "$PERSON")), pulumi: $(as_person 'command -v pulumi')"
    as_person "make up STACK=redis ARGS=--yes"
    as_person 'eval "$(make -s env)" && .venv/bin/python .ci/person_keys.py write'
    container_ids > "$STANDIN/containers"
    forbidden_calls_none
    log "deployed; the cluster's containers:"; cat "$STANDIN/containers" >&2
    ;;
  verify)
    diff <(container_ids) "$STANDIN/containers" || die "the person's containers changed during the test run"
    as_person 'eval "$(make -s env)" && .venv/bin/python .ci/person_keys.py check'
    as_person "make destroy STACK=redis ARGS=--yes"
    left="$(docker ps -aq --filter name='^redis-[0-9]$'; docker network ls -q --filter name='^redis$';
            docker volume ls -q --filter name='^redis-[0-9]-data$')"
    [[ -z "$left" ]] || die "make destroy left objects behind: $left"
    forbidden_calls_none
    log "same containers before and after the test run, every key read back, destroy left nothing"
    ;;
  *) die "usage: .ci/as_a_person.sh deploy|verify" ;;
esac
