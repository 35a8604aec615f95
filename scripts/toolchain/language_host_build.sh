#!/usr/bin/env bash
# Builds the project's fallback Python language host (scripts/toolchain/language-host, Go) from pinned
# Go modules through the module proxy, for when the official pulumi-language-python cannot be had.
# The binary is cached per hash of its sources in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac/language-host/<hash>/pulumi-language-python
# Prints progress on stderr and the binary's path as the last line of stdout.
set -euo pipefail
LOG_TAG=language-host
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

src="$REPO_ROOT/scripts/toolchain/language-host"
key="$(cat "$src"/go.mod "$src"/go.sum "$src"/*.go | sha256sum | cut -c1-16)"
bin="$CACHE_DIR/language-host/$key/pulumi-language-python"
if [[ -x "$bin" ]]; then
  log "cached: $bin"
  echo "$bin"; exit 0
fi
command -v go >/dev/null || die "no Go toolchain on PATH: install Go 1.26.6+ or give this machine internet access"
mkdir -p "$(dirname "$bin")"
log "building from Go modules (seconds when the CLI's modules are already downloaded)"
(cd "$src" && GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off CGO_ENABLED=0 \
   with_heartbeat "compiling" go build -trimpath -o "$bin.tmp" .) >&2 \
  || die "go build failed in $src"
mv "$bin.tmp" "$bin"
log "built $bin"
echo "$bin"
