#!/usr/bin/env bash
# Finds the Pulumi CLI the project runs. Order: a `pulumi` on PATH at least MIN_PULUMI_VERSION with its
# language host beside it (an official install), used where it is and never changed -> the pinned
# version in the per-user cache -> the official installer -> a build from Go modules through the module
# proxy. Prints the directory holding the binaries on stdout; progress goes to stderr.
set -euo pipefail
LOG_TAG=pulumi-cli
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

version="${1:-$PULUMI_CLI_VERSION}"
dest="$CACHE_DIR/pulumi-cli/$version"

version_of() { "$1" version 2>/dev/null | tr -d 'v\r'; }

installed="$(pulumi_on_path)"
if [[ -n "$installed" ]]; then
  have="$(version_of "$installed")"
  home="$(dirname "$(readlink -f "$installed")")"
  if ! version_at_least "$have" "$MIN_PULUMI_VERSION"; then
    log "your Pulumi CLI $installed is v$have, older than v$MIN_PULUMI_VERSION, the oldest this project" \
        "supports. Fix: upgrade it (pulumi's installer, or your package manager) to use it here;" \
        "until then the project runs its own v$version"
  elif [[ ! -x "$home/pulumi-language-python" ]]; then
    log "your Pulumi CLI $installed (v$have) has no pulumi-language-python beside it, as official" \
        "installs do; the project runs its own v$version"
  else
    log "using your Pulumi CLI $installed (v$have)"
    echo "$home"; exit 0
  fi
fi

if [[ -x "$dest/pulumi" ]]; then
  # A build by an older set-up carries no marker; the project's own language host beside it tells.
  if [[ ! -e "$dest/$BUILT_MARKER" && -e "$dest/program_runner.py" ]]; then
    echo "built from Go modules by scripts/toolchain/pulumi_cli.sh" > "$dest/$BUILT_MARKER"
  fi
  log "cached: $dest/pulumi (v$version)"
  echo "$dest"; exit 0
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-cli.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

log "trying the official installer for v$version"
if curl -fsSL --max-time 20 https://get.pulumi.com -o "$tmp/install.sh" 2>/dev/null \
   && sh "$tmp/install.sh" --version "$version" --install-root "$tmp/root" --no-edit-path --silent >&2 2>&1 \
   && [[ -x "$tmp/root/bin/pulumi" ]]; then
  mkdir -p "$dest" && cp -a "$tmp/root/bin/." "$dest/"
  log "installed the official release into $dest"
  echo "$dest"; exit 0
fi
log "the official installer is unreachable here; building v$version from Go modules"

command -v go >/dev/null || die "no Pulumi CLI could be had: install Pulumi v$MIN_PULUMI_VERSION or newer" \
  "(see pulumi.com/docs/install) and run this again; or give this machine Go 1.26+ to build v$version"
build="$CACHE_DIR/build/pulumi-cli-$version"
mkdir -p "$build"
# A wrapper module: `go install pkg@version` refuses modules whose go.mod has replace directives,
# so we require the CLI's module and repeat the replaces it needs.
#  - sdk/v3 is `../sdk` in the CLI's own go.mod: we require the published sdk module at the same version.
#  - atotto/clipboard is swapped for Pulumi's fork in the CLI's go.mod; without it the build differs.
cat > "$build/go.mod" <<MOD
module local/pulumi-cli-build

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > "$build/tools.go" <<'SRC'
//go:build tools

// Pins the CLI's main package so `go mod tidy` keeps every module it needs.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
SRC
cd "$build"
log "step 1/2: resolving modules (first run downloads ~400 MB)"
# go lists every module it downloads: that goes to a log, the heartbeat says how long it has taken.
if ! with_heartbeat "resolving modules" sh -c 'GOFLAGS=-mod=mod go mod tidy >"$1" 2>&1' _ "$build/tidy.log"; then
  tail -n 20 "$build/tidy.log" >&2; die "go mod tidy failed (log: $build/tidy.log)"
fi
log "step 2/2: compiling the CLI (about 4 minutes on 2 cores)"
# The release build's flags: version stamped in, -trimpath, and the osusergo,grpcnotrace tags.
with_heartbeat "compiling" go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mkdir -p "$dest" && mv "$tmp/pulumi" "$dest/pulumi"
echo "built from Go modules by scripts/toolchain/pulumi_cli.sh" > "$dest/$BUILT_MARKER"
log "built $dest/pulumi in $(elapsed)"
echo "$dest"
