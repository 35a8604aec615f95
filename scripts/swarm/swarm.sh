#!/usr/bin/env bash
# A three-node Docker Swarm on this machine, to deploy and test the overlay and swarm stacks on.
#
#   scripts/swarm/swarm.sh up          builds Docker 29.8.1 if needed (scripts/engines/docker29.sh build),
#                                      starts three engines, joins them in a Swarm, loads the local images
#                                      (idempotent: seconds when up)
#   scripts/swarm/swarm.sh env         export lines for eval: DOCKER_HOST (the manager) and the nodes
#   scripts/swarm/swarm.sh status      each node's engine and Swarm state (exit 3 when not all up)
#   scripts/swarm/swarm.sh down        removes every trace: engines, namespaces, veths, bridge, firewall
#                                      rule, cgroup parents, data
#   scripts/swarm/swarm.sh stop-node N | start-node N
#                                      stops or starts node N's engine alone (the fault tests' whole-host
#                                      failure); its data, namespace and Swarm membership stay
#   e.g.  make swarm-up && eval "$(make -s swarm-env)" && docker node ls
#
# Layout: node N (1..3) is a dockerd in the network namespace dn-swarmN and a UTS namespace of its own
# (hostname dn-swarmN, which Swarm reports as node.hostname), with its own data-root, exec-root, pid file,
# socket, config file, managed containerd and cgroup parent. A veth pair joins each namespace to the host
# bridge dn-swarm0 (10.199.40.1/24): node N is 10.199.40.1N, where Swarm's control plane (2377), gossip
# (7946) and VXLAN (4789) run. This kernel has no IPVS: services need endpoint_mode dnsrr and host-mode
# published ports (docs/swarm.md). It needs root.
set -euo pipefail
LOG_TAG=swarm
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ENGINES="$(cd "$(dirname "$SELF")/../engines" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$SELF")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=../engines/netns_lib.sh
source "$ENGINES/netns_lib.sh"

NODES=(1 2 3)
NAME="dn-swarm"                                   # namespaces, hostnames, veths: dn-swarmN
BRIDGE="${NAME}0"
# Apart from docker29.sh's 10.199.29.0/30 and the test runs' 10.200.0.0/13.
SUBNET_BASE="10.199.40"
BRIDGE_ADDR="$SUBNET_BASE.1/24"
STATE_ROOT="/var/lib/docker-networking/swarm"    # per node: data-root, daemon.json, log
RUN_ROOT="/run/docker-networking/swarm"          # per node: exec-root, socket, pid file
FIREWALL_COMMENT="docker-networking swarm bridge"
DEFAULT_IMAGES=("$LOCAL_REDIS_IMAGE" "$LOCAL_TOMCAT_IMAGE")
MAIN_DOCKER_HOST="${SWARM_SOURCE_HOST:-unix:///var/run/docker.sock}"

usage() {
  sed -n '2,21p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

node_name() { echo "$NAME$1"; }
node_addr() { echo "$SUBNET_BASE.1$1"; }
node_host() { echo "unix://$RUN_ROOT/node$1.sock"; }
node_pidfile() { echo "$RUN_ROOT/node$1.pid"; }
node_state() { echo "$STATE_ROOT/node$1"; }
node_docker() { local n="$1"; shift; docker -H "$(node_host "$n")" "$@"; }
node_answers() { node_docker "$1" info >/dev/null 2>&1; }
swarm_state() { node_docker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo down; }
engine_bin() { "$ENGINES/docker29.sh" bin-dir; }

# --- the network: one bridge, a veth pair per node ------------------------------------------------------
ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
    log "bridge $BRIDGE ($BRIDGE_ADDR)"
  fi
  ip link set "$BRIDGE" up
  # With br_netfilter loaded (the main engine loads it), bridged frames cross the host's FORWARD chain,
  # whose policy the main engine sets to DROP: without this rule the nodes would not reach each other.
  if ! iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FIREWALL_COMMENT" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FIREWALL_COMMENT" -j ACCEPT
  fi
}

ensure_node_netns() {  # N
  local ns
  ns="$(node_name "$1")"
  netns_exists "$ns" || { ip netns add "$ns"; log "network namespace $ns"; }
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link add "$ns" type veth peer name eth0 netns "$ns"
    ip link set "$ns" master "$BRIDGE" up
    ip -n "$ns" addr add "$(node_addr "$1")/24" dev eth0
    ip -n "$ns" link set eth0 up
    log "veth $ns <-> $ns:eth0 ($(node_addr "$1"))"
  fi
}

# --- one engine ------------------------------------------------------------------------------------------
write_daemon_json() {  # N BIN
  local state run
  state="$(node_state "$1")" run="$RUN_ROOT/node$1"
  mkdir -p "$state" "$run"
  # A config file of its own: dockerd would otherwise read /etc/docker/daemon.json, the main engine's.
  cat > "$state/daemon.json" <<JSON
{
  "data-root": "$state/data",
  "exec-root": "$run",
  "pidfile": "$(node_pidfile "$1")",
  "hosts": ["$(node_host "$1")"],
  "cgroup-parent": "/$(node_name "$1")",
  "userland-proxy-path": "$2/docker-proxy"
}
JSON
}

start_node() {  # N
  local n="$1" pid bin
  pid="$(dockerd_pid "$(node_pidfile "$n")")"
  if [[ -n "$pid" ]] && node_answers "$n"; then return 0; fi
  [[ -z "$pid" ]] || die "node $n: dockerd (pid $pid) runs but does not answer: see $(node_state "$n")/dockerd.log"
  bin="$(engine_bin)"
  ensure_bridge
  ensure_node_netns "$n"
  [[ -s "$(node_state "$n")/daemon.json" ]] || write_daemon_json "$n" "$bin"
  rm -f "$RUN_ROOT/node$n.sock"
  local mounts
  mounts="$(sys_mounts /proc/self/mountinfo)"
  [[ "$mounts" == *cgroup* ]] || die "no cgroup hierarchy is mounted below /sys/fs/cgroup here"
  # setsid: the engine outlives the shell that started it. unshare --uts: a hostname of its own.
  SWARM_SYS_MOUNTS="$mounts" setsid nohup ip netns exec "$(node_name "$n")" unshare --uts \
    "$SELF" _engine "$n" "$bin" >>"$(node_state "$n")/dockerd.log" 2>&1 </dev/null 9>&- &
  local started=$SECONDS
  until node_answers "$n"; do
    (( SECONDS - started < 90 )) || { tail -n 20 "$(node_state "$n")/dockerd.log" >&2; die "node $n: no answer within 90 s"; }
    sleep 1
  done
  log "node $n: Docker $(node_docker "$n" version --format '{{.Server.Version}}') up after $((SECONDS - started))s"
}

# Inside the node's namespaces (started by start_node).
engine_main() {  # N BIN
  replay_sys_mounts "$SWARM_SYS_MOUNTS"
  unset SWARM_SYS_MOUNTS
  hostname "$(node_name "$1")"
  export PATH="$2:$PATH"
  exec dockerd --config-file "$(node_state "$1")/daemon.json"
}

# --- the Swarm -------------------------------------------------------------------------------------------
form_swarm() {
  if [[ "$(swarm_state 1)" != active ]]; then
    node_docker 1 swarm init --advertise-addr "$(node_addr 1)" --listen-addr "$(node_addr 1):2377" >/dev/null
    log "node 1: Swarm initialised (manager at $(node_addr 1):2377)"
  fi
  local token n
  token="$(node_docker 1 swarm join-token -q worker)"
  for n in "${NODES[@]:1}"; do
    [[ "$(swarm_state "$n")" != active ]] || continue
    node_docker "$n" swarm join --token "$token" --advertise-addr "$(node_addr "$n")" "$(node_addr 1):2377" >/dev/null
    log "node $n: joined"
  done
  # A label per node, for placement constraints that survive a hostname change: node.labels.dn-node==N.
  for n in "${NODES[@]}"; do
    node_docker 1 node update --label-add "dn-node=$n" "$(node_docker "$n" info --format '{{.Swarm.NodeID}}')" >/dev/null
  done
}

load_images() {
  local n listed todo=()
  [[ -n "$(docker -H "$MAIN_DOCKER_HOST" version --format '{{.Server.Version}}' 2>/dev/null)" ]] \
    || die "the main engine ($MAIN_DOCKER_HOST) does not answer: make setup starts it; the images come from it"
  for n in "${NODES[@]}"; do
    listed="$(images_to_copy "$MAIN_DOCKER_HOST" "$(node_host "$n")" "${DEFAULT_IMAGES[@]}")"
    [[ -n "$listed" ]] || continue
    mapfile -t todo <<<"$listed"
    local started=$SECONDS
    docker -H "$MAIN_DOCKER_HOST" save "${todo[@]}" | node_docker "$n" load >/dev/null
    log "node $n: loaded ${todo[*]} in $((SECONDS - started))s"
  done
}

with_lock() {
  mkdir -p "$RUN_ROOT"
  exec 9>"$RUN_ROOT/swarm.lock"
  flock 9
}

cmd_up() {
  need_root up
  "$ENGINES/docker29.sh" build
  with_lock
  local n
  for n in "${NODES[@]}"; do start_node "$n"; done
  form_swarm
  load_images
  log "Swarm up: $(node_docker 1 node ls --format '{{.Hostname}}={{.Status}}/{{.Availability}}' | paste -sd' ' -)"
}

cmd_down() {
  need_root down
  with_lock
  local n ns bin
  bin="$(engine_bin)"
  for n in "${NODES[@]}"; do
    ns="$(node_name "$n")"
    stop_dockerd "$(node_pidfile "$n")" "node $n"
    stop_leftovers "$ns" "$bin"
    if ip link show "$ns" >/dev/null 2>&1; then ip link del "$ns"; fi
    if netns_exists "$ns"; then ip netns del "$ns"; log "network namespace $ns removed"; fi
    remove_cgroup_parent "$ns"
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; log "bridge $BRIDGE removed"; fi
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FIREWALL_COMMENT" -j ACCEPT 2>/dev/null; do :; done
  local dir
  for dir in "$STATE_ROOT" "$RUN_ROOT"; do
    if grep -qF " $dir/" /proc/self/mountinfo; then die "something is still mounted below $dir; not removing it"; fi
  done
  rm -rf --one-file-system "$STATE_ROOT"
  flock -u 9
  rm -rf --one-file-system "$RUN_ROOT"
  rmdir "$(dirname "$STATE_ROOT")" "$(dirname "$RUN_ROOT")" 2>/dev/null || true
  log "Swarm removed: engines, namespaces, veths, bridge, firewall rule, cgroups, data"
}

cmd_stop_node() {  # N
  need_root stop-node
  stop_dockerd "$(node_pidfile "$1")" "node $1"
  stop_leftovers "$(node_name "$1")" "$(engine_bin)"
}

cmd_status() {
  local n all=0
  for n in "${NODES[@]}"; do
    echo "node $n: $(node_host "$n") $(node_addr "$n") swarm=$(swarm_state "$n")"
    [[ "$(swarm_state "$n")" == active ]] || all=3
  done
  return "$all"
}

cmd_env() {
  local n hosts=() addrs=()
  for n in "${NODES[@]}"; do
    hosts+=("$(node_name "$n")=$(node_host "$n")")
    addrs+=("$(node_name "$n")=$(node_addr "$n")")
  done
  echo "export DOCKER_HOST=\"$(node_host 1)\""
  # A context, TLS or an older API pin would steer the CLI, docker-py and the project's engine client away.
  echo "unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_TLS DOCKER_CERT_PATH DOCKER_API_VERSION"
  # Every node's engine and address, by hostname: what the tests and the stacks' checks read.
  echo "export DOCKER_NETWORKING_SWARM_HOSTS=\"$(IFS=,; echo "${hosts[*]}")\""
  echo "export DOCKER_NETWORKING_SWARM_ADDRESSES=\"$(IFS=,; echo "${addrs[*]}")\""
}

node_arg() { [[ "${1:-}" =~ ^[123]$ ]] || die "name a node: 1, 2 or 3"; echo "$1"; }

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  stop-node) cmd_stop_node "$(node_arg "${2:-}")" ;;
  start-node) need_root start-node; with_lock; start_node "$(node_arg "${2:-}")" ;;
  _engine) engine_main "$2" "$3" ;;
  *) usage ;;
esac
