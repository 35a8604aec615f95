# What every engine the project starts in a network namespace of its own needs (docker29.sh, and the
# three Swarm nodes of scripts/swarm/swarm.sh): the cgroup mounts `ip netns exec` hides, the images
# copied from the main engine, the processes an engine leaves behind. Sourced after scripts/lib.sh.
# shellcheck shell=bash

# The mounts below /sys, as "fstype<TAB>mountpoint<TAB>options" in mount order. `ip netns exec` mounts a
# fresh sysfs on /sys (so /sys/class/net shows the namespace's interfaces), which hides them; the cgroup
# hierarchies among them are what dockerd and runc need ("Devices cgroup isn't mounted" otherwise), be
# they v1, hybrid (v1 and /sys/fs/cgroup/unified) or v2. Mounting a hierarchy again shows the same one.
sys_mounts() {  # [MOUNTINFO]
  awk '{
    for (i = 7; i <= NF && $i != "-"; i++) {}
    if ($5 ~ /^\/sys\/fs\/cgroup(\/|$)/ && $4 == "/") printf "%s\t%s\t%s\n", $(i + 1), $5, $(i + 3)
  }' "${1:-/proc/self/mountinfo}"
}

# Runs inside the namespace's private mount namespace (that `ip netns exec` made): the hierarchies again.
replay_sys_mounts() {  # MOUNTS (what sys_mounts printed outside)
  local fstype target options
  while IFS=$'\t' read -r fstype target options; do
    [[ -n "$fstype" ]] || continue
    mkdir -p "$target" 2>/dev/null || true
    mount -t "$fstype" -o "$options" "$fstype" "$target" \
      || die "cannot mount $fstype on $target ($options) inside the namespace"
  done <<<"$1"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "$1 needs root (network namespaces, mounts): run it with sudo"; }

netns_exists() { ip netns list | grep -qx "$1\( (id: [0-9]*)\)\{0,1\}"; }

# The pid in PIDFILE when that process is alive and is a dockerd, else nothing.
dockerd_pid() {  # PIDFILE
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]; then echo "$pid"; fi
}

# Stops the dockerd of PIDFILE (it stops its containers and containerd), waiting up to 90 s.
stop_dockerd() {  # PIDFILE WHAT
  local pid started=$SECONDS
  pid="$(dockerd_pid "$1")"
  if [[ -z "$pid" ]]; then log "$2: dockerd is not running"; return 0; fi
  log "$2: stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  while [[ -e "/proc/$pid" ]]; do
    (( SECONDS - started < 90 )) || die "$2: dockerd (pid $pid) did not stop within 90 s"
    sleep 0.5
  done
  log "$2: dockerd stopped after $((SECONDS - started))s"
}

# The processes still in NETNS that run binaries of BIN_DIR (shims, docker-proxy, containerd), ended. An
# engine run from the machine's binaries has them in several directories: then by name.
ENGINE_BINARIES=" dockerd containerd containerd-shim-runc-v2 docker-proxy runc "
stop_leftovers() {  # NETNS BIN_DIR
  local round pid exe leftovers
  for round in TERM KILL; do
    leftovers=()
    for pid in $(ip netns pids "$1" 2>/dev/null); do
      exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
      [[ -n "$exe" ]] || continue
      [[ "$exe" == "$2"/* || "$ENGINE_BINARIES" == *" ${exe##*/} "* ]] && leftovers+=("$pid")
    done
    [[ ${#leftovers[@]} -gt 0 ]] || return 0
    log "$1: stopping what its engine left running (SIG$round): pids ${leftovers[*]}"
    kill "-$round" "${leftovers[@]}" 2>/dev/null || true
    sleep 2
  done
}

# An image's layers and creation time on an engine; equal keys mean nothing to copy.
image_key() {  # IMAGE DOCKER-COMMAND...
  local image="$1"; shift
  "$@" image inspect --format '{{json .RootFS.Layers}} {{.Created}}' "$image" 2>/dev/null || true
}

# The images of IMAGE... the engine at TARGET_HOST lacks (or has otherwise) than the main engine; dies
# naming the fix when one is not on the main engine either.
images_to_copy() {  # MAIN_HOST TARGET_HOST IMAGE...
  local main="$1" target="$2" image here there; shift 2
  for image in "$@"; do
    here="$(image_key "$image" docker -H "$main")"
    [[ -n "$here" ]] || die "$image is not on the main engine ($main); scripts/images.sh builds the local images there"
    there="$(image_key "$image" docker -H "$target")"
    [[ "$here" == "$there" ]] || echo "$image"
  done
}

# Removes the cgroup parent NAME (e.g. dn-swarm1) an engine put its containers under, in every hierarchy,
# once nothing runs in it: runc leaves the empty directories behind.
remove_cgroup_parent() {  # NAME
  local dir
  for dir in /sys/fs/cgroup/"$1" /sys/fs/cgroup/*/"$1"; do
    [[ -d "$dir" ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || log "cgroup $dir is still in use; left in place"
  done
}
