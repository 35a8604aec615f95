#!/usr/bin/env bash
# A Docker 29 engine beside the main one (Debian's docker.io 20.10), so the whole suite can run on both.
#
#   scripts/engines/docker29.sh build        dockerd, docker-proxy, containerd, its runc shim and runc, built
#                                            from Go modules into the per-user cache (seconds once built)
#   scripts/engines/docker29.sh start        builds if needed, then starts the engine in its own network
#                                            namespace; prints DOCKER_HOST=... on stdout (idempotent)
#   scripts/engines/docker29.sh env          export lines for eval: DOCKER_HOST and what must not leak in
#   scripts/engines/docker29.sh run [--] CMD...
#                                            CMD inside the engine's network namespace, with its DOCKER_HOST:
#                                            how the tests reach its published ports and container IPs
#   scripts/engines/docker29.sh load-images [IMAGE...]
#                                            copies images from the main engine (default: the local images)
#   scripts/engines/docker29.sh status|stop|restart|purge
#                                            restart = dockerd stopped and started again, as configured;
#                                            purge = stop, then remove its data and state
#   e.g.  scripts/engines/docker29.sh start && scripts/engines/docker29.sh load-images
#         scripts/engines/docker29.sh run make test PYTEST_ARGS="tests/integration/test_mynet.py"
# Settings read by start: DOCKER29_MIN_API_VERSION=1.44 (refuse older clients, as Docker 29.0 did; 29.8
# accepts 1.40 and newer), DOCKER29_VETH=0 (no veth pair), DOCKER29_DNS=0 (no DNS relay).
# Another engine of the same kind beside it (scripts/engines/private.sh): DOCKER29_NETNS, DOCKER29_STATE_DIR,
# DOCKER29_RUN_DIR, DOCKER29_VETH_NET (its veth's /30 is NET.0), and DOCKER29_BIN_DIR with
# DOCKER29_LABEL for binaries other than the ones built here (the machine's dockerd, say).
#
# Isolation: the engine runs in the network namespace dn-docker29 (loopback, and a veth pair to the host,
# 10.199.29.1/30 here, .2 inside), so its docker0, bridges, iptables chains, published ports and its
# 127.0.0.1 are its own; its data-root, exec-root, pid file, config file, socket, managed containerd
# (root, state, socket) and cgroup parent are its own too. Nothing of the main engine is touched. The
# machine's nameservers are relayed into the namespace (scripts/engines/dns_relay.py), so containers
# resolve names (and fail on unknown ones) as on the host.
#
# Why tests run inside the namespace (`run`): they reach published ports at 127.0.0.1 and containers at
# their IPs, and read /sys/class/net; inside the namespace all of that is the engine's, exactly as on a
# host with one engine, so the suite runs unchanged (see cmd_run). From the host, 127.0.0.1 is not the
# engine's, and a container IP is routed out of the machine: never aim at one from outside `run`.
set -euo pipefail
LOG_TAG=docker29
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$SELF")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns_lib.sh
source "$(dirname "$SELF")/netns_lib.sh"

# --- What is built --------------------------------------------------------------------------------------
ENGINE_VERSION="29.8.1"
# moby's v2 module has no v29 tags; this pre-release is the one whose releases/versions.yaml names 29.8.1
# as the next release (last: 29.8.0).
MOBY_MODULE="github.com/moby/moby/v2"
MOBY_VERSION="v2.0.0-beta.24"
# What moby's go.mod and Dockerfile pin for that version.
CONTAINERD_MODULE="github.com/containerd/containerd/v2"
CONTAINERD_VERSION="v2.3.5"
# moby and containerd pin v1.5.1 in their dev containers; v1.5.3 is the newest patch of that line.
# Debian 12's runc 1.1.5 fails every run with containerd 2.x: `namespace {"time" ""} does not exist`.
RUNC_MODULE="github.com/opencontainers/runc"
RUNC_VERSION="v1.5.3"
# Bump a component's number when its build recipe below changes: its cached binaries are built again.
declare -A RECIPE=([moby]=1 [containerd]=2 [runc]=1)

ENGINE_CACHE="$CACHE_DIR/engines/docker-$ENGINE_VERSION"
BUILT_BIN="$ENGINE_CACHE/bin"
ENGINE_BIN="${DOCKER29_BIN_DIR:-$BUILT_BIN}"
ENGINE_LABEL="${DOCKER29_LABEL:-Docker $ENGINE_VERSION}"
BUILD_ROOT="$CACHE_DIR/build/engines/docker-$ENGINE_VERSION"

# --- Where it runs --------------------------------------------------------------------------------------
NETNS="${DOCKER29_NETNS:-dn-docker29}"
STATE_DIR="${DOCKER29_STATE_DIR:-/var/lib/docker-networking/docker29}"   # data-root, config, log
RUN_DIR="${DOCKER29_RUN_DIR:-/run/docker-networking}"                   # exec-root, socket, pid file
EXEC_ROOT="$RUN_DIR/docker29"
SOCKET="$RUN_DIR/docker29.sock"
PIDFILE="$RUN_DIR/docker29.pid"
DAEMON_JSON="$STATE_DIR/daemon.json"
ENGINE_LOG="$STATE_DIR/dockerd.log"
DOCKER_HOST_URL="unix://$SOCKET"
# The veth pair: host side in the caller's namespace, peer inside. DOCKER29_VETH=0: loopback only.
VETH_HOST="$NETNS"
VETH_PEER="host0"
VETH_NET="${DOCKER29_VETH_NET:-10.199.29}"
VETH_HOST_ADDR="$VETH_NET.1/30"
VETH_PEER_ADDR="$VETH_NET.2/30"
# Containers' cgroups go under this parent (the main engine's go under /docker).
CGROUP_PARENT="/$NETNS"
# The local images the tests deploy (scripts/images.sh builds them on the main engine), and that engine.
DEFAULT_IMAGES=("$LOCAL_REDIS_IMAGE" "$LOCAL_TOMCAT_IMAGE")
MAIN_DOCKER_HOST="${DOCKER29_SOURCE_HOST:-unix:///var/run/docker.sock}"

usage() {
  sed -n '2,23p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

engine_docker() { docker -H "$DOCKER_HOST_URL" "$@"; }
engine_answers() { engine_docker info >/dev/null 2>&1; }

engine_pid() { dockerd_pid "$PIDFILE"; }

# --- build ----------------------------------------------------------------------------------------------
# A component is up to date when its binaries exist and its stamp names the version and recipe.
stamp_of() { echo "$2 recipe=${RECIPE[$1]}"; }  # COMPONENT VERSION
is_built() {  # COMPONENT VERSION BINARY...
  local component="$1" version="$2"; shift 2
  [[ "$(cat "$ENGINE_CACHE/stamps/$component" 2>/dev/null)" == "$(stamp_of "$component" "$version")" ]] || return 1
  local binary
  for binary in "$@"; do [[ -x "$BUILT_BIN/$binary" ]] || return 1; done
}

# A throw-away module that requires MODULE@VERSION through the packages it builds: `go get` of the
# packages (not of the bare module) records every go.sum entry they need.
wrapper_module() {  # DIR MODULE VERSION PACKAGE...
  local dir="$1" module="$2" version="$3"; shift 3
  rm -rf "$dir" && mkdir -p "$dir"
  printf 'module local/docker29-build\n\ngo 1.26\n' > "$dir/go.mod"
  local targets=() package
  for package in "$@"; do targets+=("$package@$version"); done
  log "resolving $module@$version (go get; log: $dir/get.log)"
  local started=$SECONDS
  if ! (cd "$dir" && with_heartbeat "go get $module" sh -c 'go get "$@" >get.log 2>&1' _ "${targets[@]}"); then
    tail -n 20 "$dir/get.log" >&2
    die "go get $module@$version failed (log: $dir/get.log); is the Go module proxy reachable (go env GOPROXY)?"
  fi
  log "resolved $module@$version in $((SECONDS - started))s"
}

go_build() {  # DIR OUTPUT PACKAGE GO-BUILD-FLAGS...
  local dir="$1" output="$2" package="$3"; shift 3
  local started=$SECONDS name
  name="$(basename "$output")"
  # shellcheck disable=SC2016 # the inner shell expands them
  if ! (cd "$dir" && with_heartbeat "compiling $name" \
        sh -c 'out="$1"; pkg="$2"; shift 2; go build -mod=mod -trimpath "$@" -o "$out" "$pkg" >>build.log 2>&1' \
        _ "$output" "$package" "$@"); then
    tail -n 30 "$dir/build.log" >&2
    die "building $name failed (log: $dir/build.log)"
  fi
  log "built $name in $((SECONDS - started))s"
  echo "$name $((SECONDS - started))s $(date -u +%FT%TZ)" >> "$ENGINE_CACHE/build-times"
}

install_built() {  # COMPONENT VERSION FILE...: moves the files from the build's out/ into bin/, then stamps
  local component="$1" version="$2" file; shift 2
  mkdir -p "$BUILT_BIN" "$ENGINE_CACHE/stamps"
  for file in "$@"; do mv -f "$BUILD_ROOT/out/$file" "$BUILT_BIN/$file"; done
  stamp_of "$component" "$version" > "$ENGINE_CACHE/stamps/$component"
}

build_moby() {
  is_built moby "$MOBY_VERSION" dockerd docker-proxy && return 0
  local dir="$BUILD_ROOT/moby" pkg="$MOBY_MODULE/dockerversion"
  log "dockerd and docker-proxy $ENGINE_VERSION ($MOBY_MODULE@$MOBY_VERSION): about 3 minutes on 2 cores"
  wrapper_module "$dir" "$MOBY_MODULE" "$MOBY_VERSION" "$MOBY_MODULE/cmd/dockerd" "$MOBY_MODULE/cmd/docker-proxy"
  # hack/make.sh's static build: its tags, btrfs left out (no headers, no cgo); the version stamped in,
  # else `docker version` says "library-import".
  local tags="netgo osusergo static_build nri_no_wasm exclude_graphdriver_btrfs"
  local ldflags="-w -X $pkg.Version=$ENGINE_VERSION -X $pkg.GitCommit=$MOBY_VERSION"
  ldflags+=" -X $pkg.BuildTime=$(date -u +%FT%T.000000000+00:00)"
  CGO_ENABLED=0 go_build "$dir" "$BUILD_ROOT/out/dockerd" "$MOBY_MODULE/cmd/dockerd" -tags "$tags" -ldflags "$ldflags"
  CGO_ENABLED=0 go_build "$dir" "$BUILD_ROOT/out/docker-proxy" "$MOBY_MODULE/cmd/docker-proxy" -tags "$tags" -ldflags "$ldflags"
  install_built moby "$MOBY_VERSION" dockerd docker-proxy
}

build_containerd() {
  is_built containerd "$CONTAINERD_VERSION" containerd containerd-shim-runc-v2 && return 0
  local dir="$BUILD_ROOT/containerd" pkg="$CONTAINERD_MODULE/version"
  log "containerd $CONTAINERD_VERSION and its runc shim: about 1.5 minutes on 2 cores"
  wrapper_module "$dir" "$CONTAINERD_MODULE" "$CONTAINERD_VERSION" \
    "$CONTAINERD_MODULE/cmd/containerd" "$CONTAINERD_MODULE/cmd/containerd-shim-runc-v2"
  # containerd's Makefile with STATIC=1 (the shim adds no_grpc); no cgo, so no btrfs snapshotter.
  local tags="urfave_cli_no_docs osusergo netgo static_build"
  local ldflags="-s -w -X $pkg.Version=$CONTAINERD_VERSION -X $pkg.Revision=$CONTAINERD_VERSION"
  ldflags+=" -X $pkg.Package=$CONTAINERD_MODULE"
  CGO_ENABLED=0 go_build "$dir" "$BUILD_ROOT/out/containerd" "$CONTAINERD_MODULE/cmd/containerd" \
    -tags "$tags" -ldflags "$ldflags"
  CGO_ENABLED=0 go_build "$dir" "$BUILD_ROOT/out/containerd-shim-runc-v2" \
    "$CONTAINERD_MODULE/cmd/containerd-shim-runc-v2" -tags "$tags no_grpc" -ldflags "$ldflags"
  install_built containerd "$CONTAINERD_VERSION" containerd containerd-shim-runc-v2
}

ensure_runc_build_deps() {
  if command -v gcc >/dev/null && pkg-config --exists libseccomp 2>/dev/null \
     && [[ -e "$(pkg-config --variable=libdir libseccomp)/libseccomp.a" ]]; then
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "runc needs cgo and libseccomp to build. Fix: sudo apt-get install gcc" \
    "libseccomp-dev pkg-config, and run this again"
  log "installing Debian's gcc, libseccomp-dev and pkg-config (runc is built with cgo and seccomp)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends gcc libc6-dev libseccomp-dev pkg-config >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends gcc libc6-dev libseccomp-dev pkg-config >&2; }
}

build_runc() {
  is_built runc "$RUNC_VERSION" runc && return 0
  local dir="$BUILD_ROOT/runc"
  log "runc $RUNC_VERSION (cgo, seccomp): about 30 seconds"
  ensure_runc_build_deps
  wrapper_module "$dir" "$RUNC_MODULE" "$RUNC_VERSION" "$RUNC_MODULE"
  # runc's `make static` without libpathrs (a Rust library Debian 12 lacks; runc then uses its Go
  # fallback); linked statically, libseccomp included, so the binary needs nothing on the machine.
  CGO_ENABLED=1 go_build "$dir" "$BUILD_ROOT/out/runc" "$RUNC_MODULE" \
    -tags "seccomp urfave_cli_no_docs netgo osusergo" -ldflags "-X main.gitCommit=$RUNC_VERSION -extldflags -static"
  install_built runc "$RUNC_VERSION" runc
}

cmd_build() {
  if is_built moby "$MOBY_VERSION" dockerd docker-proxy \
     && is_built containerd "$CONTAINERD_VERSION" containerd containerd-shim-runc-v2 \
     && is_built runc "$RUNC_VERSION" runc; then
    log "cached: $BUILT_BIN (Docker $ENGINE_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION)"
    return 0
  fi
  command -v go >/dev/null || die "Go is needed to build Docker $ENGINE_VERSION: install Go 1.26 or newer" \
    "(go.dev/dl) and run this again"
  mkdir -p "$ENGINE_CACHE" "$BUILD_ROOT/out"
  # One build at a time per cache: a second caller waits, then finds the binaries built.
  exec 8>"$ENGINE_CACHE/build.lock"
  if ! flock -n 8; then
    log "another build of Docker $ENGINE_VERSION is running; waiting for it"
    flock 8
  fi
  local started=$SECONDS
  build_runc
  build_containerd
  build_moby
  echo "built from Go modules by scripts/engines/docker29.sh" > "$BUILT_BIN/$BUILT_MARKER"
  flock -u 8
  log "ready in $((SECONDS - started))s: $BUILT_BIN"
}

# --- start / stop ---------------------------------------------------------------------------------------
write_daemon_json() {
  mkdir -p "$STATE_DIR" "$EXEC_ROOT"
  # DOCKER29_MIN_API_VERSION=1.44: refuse older clients, as Docker 29.0 did (29.8 accepts 1.40 and newer).
  local min_api=""
  [[ -z "${DOCKER29_MIN_API_VERSION:-}" ]] || min_api="\"min-api-version\": \"$DOCKER29_MIN_API_VERSION\","
  # A config file of its own: dockerd would otherwise read /etc/docker/daemon.json, the main engine's.
  cat > "$DAEMON_JSON" <<JSON
{
  $min_api
  "data-root": "$STATE_DIR/data",
  "exec-root": "$EXEC_ROOT",
  "pidfile": "$PIDFILE",
  "hosts": ["$DOCKER_HOST_URL"],
  "cgroup-parent": "$CGROUP_PARENT",
  "userland-proxy-path": "$ENGINE_BIN/docker-proxy"
}
JSON
}

ensure_netns() {
  if ! netns_exists "$NETNS"; then
    ip netns add "$NETNS"
    log "network namespace $NETNS created"
  fi
  ip -n "$NETNS" link set lo up
  # Looked for inside: `ip -n` answers the same from the machine's namespace and from the engine's.
  if [[ "${DOCKER29_VETH:-1}" == 1 ]] && ! ip -n "$NETNS" link show "$VETH_PEER" >/dev/null 2>&1; then
    ip link add "$VETH_HOST" type veth peer name "$VETH_PEER" netns "$NETNS"
    ip addr add "$VETH_HOST_ADDR" dev "$VETH_HOST"
    ip -n "$NETNS" addr add "$VETH_PEER_ADDR" dev "$VETH_PEER"
    ip link set "$VETH_HOST" up
    ip -n "$NETNS" link set "$VETH_PEER" up
    log "veth $VETH_HOST ($VETH_HOST_ADDR) <-> $NETNS:$VETH_PEER ($VETH_PEER_ADDR)"
  fi
}

# The machine's IPv4 nameservers answer inside the namespace too (scripts/engines/dns_relay.py): without
# it, a lookup of a name that does not exist takes 5 s and fails otherwise than on the host.
DNS_PIDFILE="$RUN_DIR/docker29-dns.pid"
dns_relay_pid() {
  local pid
  pid="$(cat "$DNS_PIDFILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q dns_relay.py; then
    echo "$pid"
  fi
}
ensure_dns_relay() {
  [[ "${DOCKER29_DNS:-1}" == 1 && -z "$(dns_relay_pid)" ]] || return 0
  local servers=() server
  mapfile -t servers < <(awk '$1 == "nameserver" && $2 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ { print $2 }' /etc/resolv.conf)
  [[ ${#servers[@]} -gt 0 ]] || return 0
  for server in "${servers[@]}"; do
    [[ "$server" == 127.* ]] || ip -n "$NETNS" addr replace "$server/32" dev lo
  done
  setsid nohup python3 "$(dirname "$SELF")/dns_relay.py" "/run/netns/$NETNS" "${servers[@]}" \
    >>"$STATE_DIR/dns-relay.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! > "$DNS_PIDFILE"
  log "DNS: ${servers[*]} relayed into $NETNS (the machine's nameservers, as on the host)"
}

cmd_start() {  # [keep-config]: a restart starts the engine again as it was configured
  need_root start
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/docker29.lock"
  flock 9
  local pid
  pid="$(engine_pid)"
  if [[ -n "$pid" ]] && engine_answers; then
    ensure_dns_relay
    log "already running (dockerd pid $pid, Docker $(engine_docker version --format '{{.Server.Version}}'))"
    echo "DOCKER_HOST=$DOCKER_HOST_URL"
    return 0
  fi
  [[ -z "$pid" ]] || die "dockerd (pid $pid) runs but does not answer at $SOCKET: see $ENGINE_LOG, or $0 stop"
  [[ -n "${DOCKER29_BIN_DIR:-}" ]] || cmd_build
  ensure_netns
  [[ "${1:-}" == keep-config && -s "$DAEMON_JSON" ]] || write_daemon_json
  ensure_dns_relay
  rm -f "$SOCKET"
  local mounts
  mounts="$(sys_mounts)"
  [[ "$mounts" == *cgroup* ]] || die "no cgroup hierarchy is mounted below /sys/fs/cgroup here"
  log "starting $ENGINE_LABEL's dockerd in $NETNS (log: $ENGINE_LOG)"
  # setsid: the engine outlives the shell or test run that started it.
  DOCKER29_SYS_MOUNTS="$mounts" setsid nohup ip netns exec "$NETNS" "$SELF" _engine \
    >>"$ENGINE_LOG" 2>&1 </dev/null 8>&- 9>&- &
  local started=$SECONDS
  while (( SECONDS - started < 90 )); do
    if engine_answers; then
      log "engine: up after $((SECONDS - started))s (Docker $(engine_docker version --format '{{.Server.Version}}'))"
      echo "DOCKER_HOST=$DOCKER_HOST_URL"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$ENGINE_LOG" >&2 || true
  die "$ENGINE_LABEL's dockerd did not answer within 90 s (see $ENGINE_LOG)"
}

# Inside the namespace (started by cmd_start): the cgroup hierarchies, then dockerd with our binaries
# first on PATH (it starts its own containerd from there, with root, state and socket under its
# data-root and exec-root; containerd starts the shim, the shim runc).
engine_main() {
  replay_sys_mounts "$DOCKER29_SYS_MOUNTS"
  export PATH="$ENGINE_BIN:$PATH"
  exec dockerd --config-file "$DAEMON_JSON"
}

cmd_stop() {
  need_root stop
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/docker29.lock"
  flock 9
  stop_dockerd "$PIDFILE" "$ENGINE_LABEL"
  stop_leftovers "$NETNS" "$ENGINE_BIN"
  local dns
  dns="$(dns_relay_pid)"
  if [[ -n "$dns" ]]; then kill -TERM "$dns"; log "DNS relay (pid $dns) stopped"; fi
  rm -f "$DNS_PIDFILE"
  local others
  others="$(ip netns pids "$NETNS" 2>/dev/null | paste -sd' ' - || true)"
  [[ -z "$others" ]] || log "still in $NETNS (not ours to stop): pids $others; the namespace lives until they end"
  if ip link show "$VETH_HOST" >/dev/null 2>&1; then ip link del "$VETH_HOST"; fi
  if ip netns list | grep -q "^$NETNS\b"; then ip netns del "$NETNS"; log "network namespace $NETNS removed"; fi
  rm -f "$SOCKET" "$PIDFILE"
}

# restart: dockerd stopped (SIGTERM: it stops the containers cleanly) and started again as it was.
cmd_restart() {
  need_root restart
  stop_dockerd "$PIDFILE" "$ENGINE_LABEL"
  cmd_start keep-config
}

cmd_purge() {
  cmd_stop
  local dir
  for dir in "$STATE_DIR" "$EXEC_ROOT"; do
    if grep -qF " $dir/" /proc/self/mountinfo; then die "something is still mounted below $dir; not removing it"; fi
    if [[ -e "$dir" ]]; then rm -rf --one-file-system "$dir"; log "removed $dir"; fi
  done
  rmdir "$(dirname "$STATE_DIR")" "$RUN_DIR" 2>/dev/null || true
}

cmd_status() {
  local pid
  pid="$(engine_pid)"
  if [[ -n "$pid" ]] && engine_answers; then
    echo "running: dockerd pid $pid, $DOCKER_HOST_URL, network namespace $NETNS"
    engine_docker version --format 'Docker {{.Server.Version}} (API {{.Server.APIVersion}}, minimum {{.Server.MinAPIVersion}})'
    return 0
  fi
  echo "not running${pid:+ (dockerd pid $pid does not answer)}"
  return 3
}

cmd_env() {
  echo "export DOCKER_HOST=\"$DOCKER_HOST_URL\""
  # A context, TLS or an older API pin would steer the CLI, docker-py and the project's engine client away.
  echo "unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_TLS DOCKER_CERT_PATH DOCKER_API_VERSION"
  echo "export DOCKER29_NETNS=\"$NETNS\""
}

# run: CMD inside the engine's network namespace, in a private mount namespace (`ip netns exec`):
#  - 127.0.0.1 and the container IPs are the engine's (published ports, `docker run -p 127.0.0.1:...`);
#  - /sys/class/net shows the engine's bridges and veths (tests compare them with the containers');
#  - no route leaves the namespace: what needs the package registries (a first `make setup`) runs outside.
# A test that restarts an engine restarts one of its own (scripts/engines/private.sh), never this one.
cmd_run() {
  need_root run
  [[ $# -gt 0 ]] || die "usage: $0 run CMD [ARG...]"
  [[ -n "$(engine_pid)" ]] || die "$ENGINE_LABEL is not running: $0 start"
  DOCKER29_SYS_MOUNTS="$(sys_mounts)" ip netns exec "$NETNS" "$SELF" _inside "$@"
}

inside_main() {
  replay_sys_mounts "$DOCKER29_SYS_MOUNTS"
  unset DOCKER29_SYS_MOUNTS
  eval "$(cmd_env)"
  exec "$@"
}

# load-images: `docker save` on the main engine, `docker load` into Docker 29; an image whose layers and
# creation time match what Docker 29 has is skipped. Docker 29 keeps images in containerd's store: the
# IDs it shows are those of the manifests it wrote on load, not the main engine's config digests.
cmd_load_images() {
  engine_answers || die "$ENGINE_LABEL does not answer at $SOCKET: $0 start"
  local images=("$@") listed todo=()
  [[ ${#images[@]} -gt 0 ]] || images=("${DEFAULT_IMAGES[@]}")
  listed="$(images_to_copy "$MAIN_DOCKER_HOST" "$DOCKER_HOST_URL" "${images[@]}")"
  [[ -n "$listed" ]] || { log "${images[*]}: already on $ENGINE_LABEL"; return 0; }
  mapfile -t todo <<<"$listed"
  local started=$SECONDS
  log "copying ${todo[*]} from the main engine"
  docker -H "$MAIN_DOCKER_HOST" save "${todo[@]}" | engine_docker load >&2
  log "loaded in $((SECONDS - started))s"
}

case "${1:-}" in
  build) cmd_build ;;
  bin-dir) echo "$BUILT_BIN" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  purge) cmd_purge ;;
  status) cmd_status ;;
  env) cmd_env ;;
  run) shift; [[ "${1:-}" != -- ]] || shift; cmd_run "$@" ;;
  load-images) shift; cmd_load_images "$@" ;;
  _engine) engine_main ;;
  restart) cmd_restart ;;
  _inside) shift; inside_main "$@" ;;
  _sys-mounts) shift; sys_mounts "$@" ;;
  *) usage ;;
esac
