#!/usr/bin/env bash
# scripts/images.sh — make sure the container images the project's stacks and tests use exist locally.
#
# Usage:
#   scripts/images.sh [--rebuild] [--no-pull] [redis|tomcat ...]
#
# With no arguments it ensures both local images, building only what is missing:
#   docker-networking/redis:local   Debian bookworm (debootstrap minbase) + redis-server/redis-tools
#   docker-networking/tomcat:local  Debian bookworm + default-jre-headless + tomcat10 (catalina.sh run, :8080)
# A second run with both images present only asks the engine and takes about a second; no network is used.
#
# Image selection per kind, in this order:
#   REDIS_IMAGE / TOMCAT_IMAGE unset (or equal to the local tag): ensure the local tag (build it if missing).
#   set to anything else (a public name such as redis:7.2 or tomcat:10.1-jre17): ensure_public_or_local —
#     (1) the public image or the local tag is already present -> use it and say so;
#     (2) else `timeout $IMAGES_PULL_TIMEOUT docker pull` the public name (skipped with --no-pull / IMAGES_NO_PULL=1);
#     (3) else build the local tag with debootstrap and use that.
# Stdout carries only the result, one `REDIS_IMAGE=...` / `TOMCAT_IMAGE=...` line per kind, so a caller can
#   eval "$(scripts/images.sh)"
# Progress goes to stderr ("[images] ..."); the verbose output of debootstrap/apt goes to a log file in the cache dir.
#
# The script can also be sourced (functions only, nothing runs): ensure_public_or_local PUBLIC LOCAL KIND prints the
# image to use. Sourcing switches on `set -euo pipefail` in the caller's shell.
#
# Environment:
#   REDIS_IMAGE, TOMCAT_IMAGE        requested image per kind (default: the local tags)
#   IMAGES_PULL_TIMEOUT              seconds allowed for one `docker pull` (default 20)
#   IMAGES_NO_PULL=1                 never try `docker pull`
#   IMAGES_CACHE_DIR                 default ${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac/images
#   DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR
#                                    override the mirrors otherwise read from this machine's apt sources
#
# Cache (never inside the repository): base-<suite>-<variant>-<hash>.tar.zst (the debootstrap result, keyed by
# suite + variant + arch + package list), apt/archives and apt/lists (shared .deb and index cache, so a rebuild after
# `docker rmi` downloads nothing new and can even finish without network), build.* chroots (removed after use),
# <kind>.log (output of the last build of that kind), and the `lock` file that serialises builds (flock).
#
# Requires root (debootstrap, chroot, mount), docker, debootstrap, flock, tar, zstd or gzip.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

REDIS_LOCAL_IMAGE="docker-networking/redis:local"
TOMCAT_LOCAL_IMAGE="docker-networking/tomcat:local"
IMAGES_SUITE="${IMAGES_SUITE:-bookworm}"
IMAGES_VARIANT="minbase"
IMAGES_CACHE_DIR="${IMAGES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac/images}"
IMAGES_PULL_TIMEOUT="${IMAGES_PULL_TIMEOUT:-20}"
IMAGES_NO_PULL="${IMAGES_NO_PULL:-0}"
IMAGES_REBUILD="${IMAGES_REBUILD:-0}"

# Packages debootstrap puts into the shared base (libc-bin, i.e. getent, is Essential and always there).
IMAGES_BASE_PACKAGES=(ca-certificates iproute2 iputils-ping procps)
# Packages apt adds per image (--no-install-recommends).
IMAGES_REDIS_PACKAGES=(redis-server redis-tools)
IMAGES_TOMCAT_PACKAGES=(default-jre-headless tomcat10 curl)

IMAGES_CHROOT_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_img_log() { printf '[images] %s\n' "$*" >&2; }
_img_die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

_img_size() { docker image inspect -f '{{.Size}}' "$1" 2>/dev/null | awk '{printf "%.0f MB", $1/1000/1000}'; }

# --- Debian mirror, read from this machine's apt configuration ---------------------------------------------------------

# Print "URI<TAB>SUITE" for every enabled `deb` entry in sources.list, sources.list.d/*.list and sources.list.d/*.sources.
_img_apt_source_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '{ sub(/#.*/, "") }
         $1 == "deb" {
           i = 2
           if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
           if (i + 1 <= NF) print $i "\t" $(i + 1)
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'function flush(   n, m, i, j, U, S) {
           if (types ~ /(^| )deb( |$)/ && enabled != "no") {
             n = split(uris, U, " "); m = split(suites, S, " ")
             for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print U[i] "\t" S[j]
           }
           types = ""; uris = ""; suites = ""; enabled = "yes"; key = ""
         }
         BEGIN { enabled = "yes" }
         /^[[:space:]]*#/ { next }
         /^[[:space:]]*$/ { flush(); next }
         /^[[:space:]]/ {                      # continuation line of the previous field
           v = $0; gsub(/[[:space:]]+/, " ", v)
           if (key == "uris") uris = uris v; else if (key == "suites") suites = suites v; else if (key == "types") types = types v
           next
         }
         {
           key = tolower($0); sub(/:.*/, "", key)
           v = $0; sub(/^[^:]*:[[:space:]]*/, "", v); gsub(/[[:space:]]+/, " ", v)
           if (key == "types") types = v; else if (key == "uris") uris = v
           else if (key == "suites") suites = v; else if (key == "enabled") enabled = tolower(v)
         }
         END { flush() }' "$f"
  done
}

# _img_mirror main|security — the mirror URI for $IMAGES_SUITE (or its -security suite), without trailing slash.
_img_mirror() {
  local which=$1 want uri
  if [[ "$which" == main && -n "${DEBIAN_MIRROR:-}" ]]; then echo "${DEBIAN_MIRROR%/}"; return 0; fi
  if [[ "$which" == security && -n "${DEBIAN_SECURITY_MIRROR:-}" ]]; then echo "${DEBIAN_SECURITY_MIRROR%/}"; return 0; fi
  if [[ "$which" == main ]]; then want="$IMAGES_SUITE"; else want="$IMAGES_SUITE-security"; fi
  uri=$(_img_apt_source_entries | awk -F'\t' -v want="$want" -v which="$which" '
        $1 !~ /^(https?|ftp|file):/ { next }
        $2 == want && !exact { exact = $1 }
        which == "main" && $2 !~ /-/ && $1 !~ /security/ && !other { other = $1 }
        which == "security" && $2 ~ /-security$/ && !other { other = $1 }
        END { print (exact != "" ? exact : other) }')
  echo "${uri%/}"
}

# Extra apt options carrying the host's apt proxy settings (if any) into the chroot.
_img_apt_proxy_opts() {
  local http="" https=""
  eval "$(apt-config shell http Acquire::http::Proxy https Acquire::https::Proxy 2>/dev/null || true)"
  [[ -n "$http" ]] && printf '%s\n' "-oAcquire::http::Proxy=$http"
  [[ -n "$https" ]] && printf '%s\n' "-oAcquire::https::Proxy=$https"
  return 0
}

# --- chroot helpers ------------------------------------------------------------------------------------------------------

# Unmount everything below $1 (deepest first), then remove it without crossing file systems.
_img_remove_root() {
  local root=$1 m
  [[ -n "$root" && -d "$root" ]] || return 0
  while read -r m; do
    if [[ -n "$m" ]]; then umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; fi
  done < <(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r)
  if awk -v r="$root" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    _img_log "WARNING: $root still has mounts; leaving it in place"
    return 0
  fi
  rm -rf --one-file-system "$root"
}

_img_mount_chroot() {
  local root=$1 dev
  mount -t proc proc "$root/proc"
  mkdir -p "$root/dev"
  for dev in null zero full random urandom tty; do
    rm -f "$root/dev/$dev"
    : >"$root/dev/$dev"
    mount --bind "/dev/$dev" "$root/dev/$dev"
  done
  mkdir -p "$IMAGES_CACHE_DIR/apt/archives/partial" "$IMAGES_CACHE_DIR/apt/lists/partial" \
    "$root/var/cache/apt/archives" "$root/var/lib/apt/lists"
  mount --bind "$IMAGES_CACHE_DIR/apt/archives" "$root/var/cache/apt/archives"
  mount --bind "$IMAGES_CACHE_DIR/apt/lists" "$root/var/lib/apt/lists"
}

_img_umount_chroot() {
  local root=$1 m
  while read -r m; do
    if [[ -n "$m" ]]; then umount "$m" 2>/dev/null || umount -l "$m"; fi
  done < <(awk -v r="$root" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r)
}

_img_in_chroot() {
  echo "== chroot $1: ${*:2}" >&2
  env -i PATH="$IMAGES_CHROOT_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    DEBCONF_NONINTERACTIVE_SEEN=true chroot "$1" "${@:2}"
}

_img_tar_compress_flag() { if command -v zstd >/dev/null 2>&1; then echo --zstd; else echo --gzip; fi; }

# --- step 1: the debootstrap base, cached as a tarball -------------------------------------------------------------------

_img_base_key() {
  local arch
  arch=$(dpkg --print-architecture)
  printf '%s\n' "$IMAGES_SUITE" "$IMAGES_VARIANT" "$arch" "$(printf '%s\n' "${IMAGES_BASE_PACKAGES[@]}" | sort -u)" \
    | sha256sum | cut -c1-12
}

_img_base_path() {
  local ext=tar.gz
  [[ "$(_img_tar_compress_flag)" == --zstd ]] && ext=tar.zst
  echo "$IMAGES_CACHE_DIR/base-$IMAGES_SUITE-$IMAGES_VARIANT-$(_img_base_key).$ext"
}

# _img_make_base TARBALL — debootstrap the base into a temporary chroot and store it as TARBALL.
# Runs inside _img_build (lock held, ERR trap set, output already redirected to the log).
_img_make_base() {
  local tarball=$1 mirror include proxy=""
  mirror=$(_img_mirror main)
  [[ -n "$mirror" ]] || { echo "no Debian mirror for '$IMAGES_SUITE' in /etc/apt/sources.list*; set DEBIAN_MIRROR"; return 1; }
  include=$(IFS=,; echo "${IMAGES_BASE_PACKAGES[*]}")
  broot=$(mktemp -d "$IMAGES_CACHE_DIR/build.base.XXXXXX")
  mkdir -p "$IMAGES_CACHE_DIR/debootstrap-debs"
  eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null || true)"
  echo "== debootstrap --variant=$IMAGES_VARIANT --include=$include $IMAGES_SUITE $broot $mirror"
  http_proxy="${proxy:-${http_proxy:-}}" debootstrap --variant="$IMAGES_VARIANT" --include="$include" \
    --cache-dir="$IMAGES_CACHE_DIR/debootstrap-debs" "$IMAGES_SUITE" "$broot" "$mirror"
  _img_in_chroot "$broot" apt-get clean
  rm -rf "$broot"/var/lib/apt/lists/* "$broot"/var/cache/apt/*.bin "$broot"/var/log/bootstrap.log
  : >"$broot/etc/resolv.conf"
  rm -f "$broot/etc/hostname"
  tar -C "$broot" --numeric-owner --xattrs --xattrs-include='*' "$(_img_tar_compress_flag)" -cpf "$tarball.tmp" .
  mv -f "$tarball.tmp" "$tarball"
  _img_remove_root "$broot"
  broot=""
}

# --- step 2: per-image packages and configuration --------------------------------------------------------------------------

_img_configure_apt() {
  local root=$1 mirror=$2 security=$3
  rm -f "$root/etc/apt/sources.list"
  {
    echo "Types: deb"
    echo "URIs: $mirror"
    echo "Suites: $IMAGES_SUITE $IMAGES_SUITE-updates"
    echo "Components: main"
    echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    if [[ -n "$security" ]]; then
      echo
      echo "Types: deb"
      echo "URIs: $security"
      echo "Suites: $IMAGES_SUITE-security"
      echo "Components: main"
      echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
  cat >"$root/etc/apt/apt.conf.d/90docker-networking" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/90docker-networking-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  # No service may start inside the chroot (nor later inside a container through invoke-rc.d).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
}

_img_configure_redis() {
  local root=$1
  mkdir -p "$root/data" "$root/usr/local/etc/redis" "$root/usr/local/bin"
  # The public redis image is built with protected-mode defaulting to "no"; Debian's binary defaults to "yes", which
  # refuses non-loopback clients (cluster peers, other containers) unless a password is set. This entrypoint restores
  # the public image's default: it adds `--protected-mode no` unless the command line or the config file sets it.
  # REDIS_PROTECTED_MODE_DEFAULT=yes keeps Debian's default.
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# `docker run IMAGE --port 7000` or `docker run IMAGE /path/redis.conf` run redis-server, like the public image.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$(basename -- "$1")" = redis-server ] && [ "${REDIS_PROTECTED_MODE_DEFAULT:-no}" = no ]; then
  explicit=no
  for arg in "$@"; do
    if [ "$arg" = --protected-mode ]; then explicit=yes; fi
  done
  if [ $# -ge 2 ] && [ "${2#-}" = "$2" ] && [ -f "$2" ] \
     && grep -Eiq '^[[:space:]]*protected-mode[[:space:]]' "$2"; then
    explicit=yes
  fi
  if [ $explicit = no ]; then set -- "$@" --protected-mode no; fi
fi
exec "$@"
EOF
  chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
}

_img_configure_tomcat() {
  local root=$1 d
  local base="$root/var/lib/tomcat10"
  [[ -x "$root/usr/share/tomcat10/bin/catalina.sh" ]] || { echo "catalina.sh missing"; return 1; }
  # CATALINA_BASE layout of Debian's package: conf -> /etc/tomcat10, logs -> /var/log/tomcat10, work -> /var/cache/tomcat10.
  mkdir -p "$root/var/log/tomcat10" "$root/var/cache/tomcat10" "$base/temp" "$base/webapps" "$base/lib"
  [[ -e "$base/conf" || -L "$base/conf" ]] || ln -s /etc/tomcat10 "$base/conf"
  [[ -e "$base/logs" || -L "$base/logs" ]] || ln -s ../../log/tomcat10 "$base/logs"
  [[ -e "$base/work" || -L "$base/work" ]] || ln -s ../../cache/tomcat10 "$base/work"
  for d in "$root/var/log/tomcat10" "$root/var/cache/tomcat10" "$base/temp" "$base/webapps"; do
    _img_in_chroot "$root" chown -R tomcat:tomcat "${d#"$root"}"
    chmod 0775 "$d"
  done
  # Paths of the public tomcat image (CATALINA_HOME=/usr/local/tomcat), so mounts such as
  # /usr/local/tomcat/webapps/app.war or /usr/local/tomcat/conf/server.xml land in the right place.
  mkdir -p "$root/usr/local/tomcat"
  for d in bin lib; do ln -sfn "/usr/share/tomcat10/$d" "$root/usr/local/tomcat/$d"; done
  for d in conf logs work temp webapps; do ln -sfn "/var/lib/tomcat10/$d" "$root/usr/local/tomcat/$d"; done
}

_img_slim() {
  local root=$1
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/* \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/log/apt/* "$root"/var/log/dpkg.log \
    "$root"/var/log/alternatives.log "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.cache
  mkdir -p "$root/var/cache/apt/archives/partial" "$root/var/lib/apt/lists/partial"
  # Host-specific files: the engine provides /etc/hosts, /etc/hostname and /etc/resolv.conf at run time.
  : >"$root/etc/resolv.conf"
  rm -f "$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
}

# --- build ----------------------------------------------------------------------------------------------------------------

# _img_build KIND TAG — build TAG with debootstrap + apt + docker import. Runs in a subshell with its own lock and trap.
# Call it as a plain command (not under if/||), so that `set -e` stays in force inside.
_img_build() (
  set -euo pipefail
  kind=$1 tag=$2
  [[ $(id -u) -eq 0 ]] || _img_die "$kind: building $tag from Debian packages needs root (debootstrap, chroot):" \
    "run \`sudo make images\` once, or choose an image the engine has or can pull"
  case "$kind" in
    redis) packages=("${IMAGES_REDIS_PACKAGES[@]}") ;;
    tomcat) packages=("${IMAGES_TOMCAT_PACKAGES[@]}") ;;
    *) _img_die "unknown image kind '$kind'" ;;
  esac
  [[ $EUID -eq 0 ]] || _img_die "building $tag needs root (debootstrap, chroot, mount)"
  # A fresh machine has no debootstrap: install it from Debian's packages (as the engine step does docker.io).
  if ! command -v debootstrap >/dev/null 2>&1; then
    _img_log "$kind: installing Debian's debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2; } \
      || _img_die "building $tag needs 'debootstrap' and apt-get could not install it (apt-get install debootstrap)"
  fi
  for tool in debootstrap flock chroot tar; do
    command -v "$tool" >/dev/null 2>&1 || _img_die "building $tag needs '$tool'"
  done

  mkdir -p "$IMAGES_CACHE_DIR"
  exec 9>>"$IMAGES_CACHE_DIR/lock"
  if ! flock -n 9; then
    _img_log "$kind: another build holds $IMAGES_CACHE_DIR/lock; waiting..."
    flock 9
  fi
  if [[ "$IMAGES_REBUILD" != 1 ]] && image_exists "$tag"; then
    _img_log "$kind: $tag appeared while waiting for the lock; using it"
    exit 0
  fi

  start=$SECONDS
  log="$IMAGES_CACHE_DIR/$kind.log"
  : >"$log"
  root="" broot=""
  trap '_img_remove_root "$root"; _img_remove_root "$broot"; rm -f "$IMAGES_CACHE_DIR"/base-*.tmp' EXIT
  trap 'exit 130' INT TERM
  exec 8>&2   # the caller's stderr, also from inside steps whose output goes to the log
  fail() {
    trap - ERR
    {
      _img_log "$kind: FAILED: $* (log: $log); last lines:"
      tail -n 25 "$log" | sed 's/^/[images]   | /'
    } 2>&8 >&8
    exit 1
  }
  # Every failing command (also inside the helper functions: set -E) ends the build with the log's tail.
  set -E
  trap 'fail "$BASH_COMMAND"' ERR

  base=$(_img_base_path)
  if [[ -s "$base" ]]; then
    _img_log "$kind: debootstrap (1/3)... cached base $(basename "$base") [+$((SECONDS - start))s]"
  else
    _img_log "$kind: debootstrap (1/3)... no cached base, running debootstrap (a few minutes) [+$((SECONDS - start))s]"
    _img_make_base "$base" >>"$log" 2>&1
  fi
  root=$(mktemp -d "$IMAGES_CACHE_DIR/build.$kind.XXXXXX")
  tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' "$(_img_tar_compress_flag)" -xpf "$base" >>"$log" 2>&1

  _img_log "$kind: installing packages (2/3)... ${packages[*]} [+$((SECONDS - start))s]"
  mirror=$(_img_mirror main)
  security=$(_img_mirror security)
  [[ -n "$mirror" ]] || fail "no Debian mirror for '$IMAGES_SUITE' in /etc/apt/sources.list*; set DEBIAN_MIRROR"
  mapfile -t proxy_opts < <(_img_apt_proxy_opts)
  apt_opts=(-y -q -o APT::Sandbox::User=root -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${proxy_opts[@]}")
  _img_configure_apt "$root" "$mirror" "$security"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  cp -L /etc/hosts "$root/etc/hosts"
  _img_mount_chroot "$root" >>"$log" 2>&1
  lines_before=$(wc -l <"$log")
  if ! _img_in_chroot "$root" apt-get "${apt_opts[@]}" update >>"$log" 2>&1 \
     || tail -n +"$((lines_before + 1))" "$log" | grep -q '^W: Some index files failed'; then
    _img_log "$kind: could not refresh the package lists (offline?); using the cached ones"
  fi
  # shellcheck disable=SC2129  # one redirect per step keeps the ERR trap pointing at the failing step
  _img_in_chroot "$root" apt-get "${apt_opts[@]}" dist-upgrade >>"$log" 2>&1
  _img_in_chroot "$root" apt-get "${apt_opts[@]}" install "${packages[@]}" >>"$log" 2>&1
  "_img_configure_$kind" "$root" >>"$log" 2>&1
  # shellcheck disable=SC2016  # ${Version} is a dpkg-query field, not a shell expansion
  case "$kind" in
    redis) version=$(_img_in_chroot "$root" dpkg-query -W -f='${Version}' redis-server 2>>"$log") ;;
    tomcat) version=$(_img_in_chroot "$root" dpkg-query -W -f='${Version}' tomcat10 2>>"$log") ;;
  esac
  _img_umount_chroot "$root" >>"$log" 2>&1
  _img_slim "$root" >>"$log" 2>&1

  _img_log "$kind: docker import (3/3)... [+$((SECONDS - start))s]"
  # Not the project label: containers inherit image labels, and the clean-up removes everything that
  # carries it, which must never include a container someone else started from these images.
  changes=(
    --change "LABEL io.docker-networking.image=$kind"
    --change "LABEL io.docker-networking.base=debian-$IMAGES_SUITE-$IMAGES_VARIANT"
    --change "ENV PATH=$IMAGES_CHROOT_PATH"
    --change "ENV LANG=C.UTF-8"
  )
  case "$kind" in
    redis)
      changes+=(
        --change "LABEL io.docker-networking.version=$version"
        --change "WORKDIR /data"
        --change "EXPOSE 6379"
        --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
        --change 'CMD ["redis-server"]'
      )
      ;;
    tomcat)
      changes+=(
        --change "LABEL io.docker-networking.version=$version"
        --change "ENV JAVA_HOME=/usr/lib/jvm/default-java"
        --change "ENV CATALINA_HOME=/usr/share/tomcat10"
        --change "ENV CATALINA_BASE=/var/lib/tomcat10"
        --change "ENV CATALINA_TMPDIR=/var/lib/tomcat10/temp"
        --change "ENV PATH=/usr/share/tomcat10/bin:$IMAGES_CHROOT_PATH"
        --change "WORKDIR /var/lib/tomcat10"
        --change "EXPOSE 8080"
        --change 'CMD ["/usr/share/tomcat10/bin/catalina.sh","run"]'
      )
      ;;
  esac
  old_id=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  tar -C "$root" --numeric-owner --xattrs --xattrs-include='security.capability' -cf - . \
    | docker import "${changes[@]}" --message "docker-networking $kind image (debootstrap $IMAGES_SUITE)" - "$tag" \
      >>"$log" 2>&1
  new_id=$(docker image inspect -f '{{.Id}}' "$tag")
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || true   # the replaced image, unless a container still uses it
  fi
  _img_log "$kind: built $tag ($(_img_size "$tag"), $kind $version) in $((SECONDS - start))s"
)

# --- public API -----------------------------------------------------------------------------------------------------------

# ensure_local_image KIND TAG — make sure TAG exists (build it if missing, or always with IMAGES_REBUILD=1).
ensure_local_image() {
  local kind=$1 tag=$2
  if [[ "$IMAGES_REBUILD" != 1 ]] && image_exists "$tag"; then
    _img_log "$kind: using $tag (present locally, $(_img_size "$tag"))"
    return 0
  fi
  _img_build "$kind" "$tag"
  image_exists "$tag" || _img_die "$kind: $tag was not built"
}

# ensure_public_or_local PUBLIC LOCAL KIND — print the image to use on stdout:
# PUBLIC or LOCAL if either is present; else PUBLIC if `docker pull` succeeds within IMAGES_PULL_TIMEOUT seconds
# (not tried with IMAGES_NO_PULL=1); else LOCAL, built with debootstrap.
ensure_public_or_local() {
  local public=$1 local_tag=$2 kind=$3
  if [[ -n "$public" && "$public" != "$local_tag" ]] && image_exists "$public"; then
    _img_log "$kind: using $public (present locally)"
    echo "$public"
    return 0
  fi
  if [[ "$IMAGES_REBUILD" != 1 ]] && image_exists "$local_tag"; then
    _img_log "$kind: using $local_tag (present locally, $(_img_size "$local_tag")) in place of ${public:-$local_tag}"
    echo "$local_tag"
    return 0
  fi
  if [[ -n "$public" && "$public" != "$local_tag" && "$IMAGES_NO_PULL" != 1 ]]; then
    _img_log "$kind: trying docker pull $public (timeout ${IMAGES_PULL_TIMEOUT}s)..."
    local rc=0
    timeout "$IMAGES_PULL_TIMEOUT" docker pull -q "$public" >/dev/null 2>&1 || rc=$?
    if [[ $rc -eq 0 ]] && image_exists "$public"; then
      _img_log "$kind: pulled $public"
      echo "$public"
      return 0
    fi
    _img_log "$kind: pull of $public failed (exit $rc); building $local_tag instead"
  fi
  ensure_local_image "$kind" "$local_tag"
  echo "$local_tag"
}

_img_usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

_img_main() {
  local kinds=() arg kind requested local_tag chosen var t0=$SECONDS
  for arg in "$@"; do
    case "$arg" in
      -h | --help) _img_usage; return 0 ;;
      --rebuild) IMAGES_REBUILD=1 ;;
      --no-pull) IMAGES_NO_PULL=1 ;;
      redis | tomcat) kinds+=("$arg") ;;
      all) kinds+=(redis tomcat) ;;
      *) _img_die "unknown argument '$arg' (try --help)" ;;
    esac
  done
  [[ ${#kinds[@]} -gt 0 ]] || kinds=(redis tomcat)
  docker info >/dev/null 2>&1 || _img_die "the Docker engine does not answer (docker info)"
  mkdir -p "$IMAGES_CACHE_DIR"
  for kind in "${kinds[@]}"; do
    case "$kind" in
      redis) var=REDIS_IMAGE local_tag=$REDIS_LOCAL_IMAGE ;;
      tomcat) var=TOMCAT_IMAGE local_tag=$TOMCAT_LOCAL_IMAGE ;;
    esac
    requested=${!var:-$local_tag}
    if [[ "$requested" == "$local_tag" ]]; then
      ensure_local_image "$kind" "$local_tag"
      chosen=$local_tag
    else
      chosen=$(ensure_public_or_local "$requested" "$local_tag" "$kind")
    fi
    printf '%s=%s\n' "$var" "$chosen"
  done
  _img_log "done in $((SECONDS - t0))s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  _img_main "$@"
fi
