#!/usr/bin/env bash
# What only the tests (and the benchmark) need on top of scripts/setup.sh: redis-server on the host, with
# which the unit tests check every rendered redis.conf, Graphviz's dot for the stacks' pictures, Debian's
# OpenSSH server and client for the ssh:// engine tests (which start an sshd of their own; the system's
# ssh service is neither enabled nor started here), and the images the test runs deploy (built from
# Debian packages where no registry answers). Steps that need root say which command to run.
set -euo pipefail
LOG_TAG=test-setup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# apt_install COMMAND PACKAGES WHY: installs PACKAGES when COMMAND (a name on PATH, or a path) is missing,
# or names the fix.
apt_install() {
  local command="$1" packages="$2" why="$3"
  command -v "$command" >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || die "$command is missing ($why)." "Fix: sudo apt-get install $packages"
  log "installing Debian's $packages ($why)"
  # policy-rc.d 101: a package's service is installed but not started (the ssh tests run their own sshd).
  local guard=/usr/sbin/policy-rc.d placed=""
  if [[ ! -e $guard ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && placed=1
  fi
  # shellcheck disable=SC2086 # a list of packages
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages >&2; } \
    || { [[ -z $placed ]] || rm -f "$guard"; die "apt-get could not install $packages"; }
  [[ -z $placed ]] || rm -f "$guard"
}

apt_install redis-server redis-server "the unit tests check each rendered redis.conf with it"
apt_install dot graphviz "make topology and its tests draw with dot"
apt_install /usr/sbin/sshd "openssh-server openssh-client" "the ssh:// engine tests run an sshd of their own"
"$REPO_ROOT/scripts/images.sh" >&2
