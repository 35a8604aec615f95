#!/usr/bin/env bash
# Builds the Pulumi resource plugin `pulumi-resource-docker` from pinned Go
# modules, for when the published plugin cannot be downloaded. The official
# provider module is not available from the Go module proxy here, so this
# builds our own small bridged provider (scripts/toolchain/docker-provider/)
# around the upstream Terraform Docker provider.
#
# Usage: docker_plugin.sh [VERSION]
#   VERSION defaults to the plugin version declared by the installed
#   pulumi_docker package (python from $PYTHON, default python3).
# Prints progress on stderr and the binary path as the last line of stdout.
# The binary is cached at
#   ${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac/docker-plugin/<version>/pulumi-resource-docker
# and reused on later runs. Installing it (pulumi plugin install resource
# docker <version> --file <binary>) is left to the caller.
set -euo pipefail

# ---- pins -------------------------------------------------------------------
# Upstream Terraform provider, served under the kreuzwerker path while its
# go.mod says github.com/terraform-providers/terraform-provider-docker.
UPSTREAM_MOD=github.com/kreuzwerker/terraform-provider-docker
UPSTREAM_VER=v0.0.0-20260916201441-96d331c98ff4
UPSTREAM_SUM=h1:T3HvvZCRd4h2qkMl+SXA2zza26Rdz8xqV81skikQWy4=
# Pulumi's fork of terraform-plugin-sdk/v2, the exact version that the pinned
# bridge (v3.120.0, see docker-provider/go.mod.in) replaces the SDK with.
SDKV2_MOD=github.com/pulumi/terraform-plugin-sdk/v2
SDKV2_VER=v2.0.0-20250923233607-7f1981c8674a
SDKV2_SUM=h1:bTwou+tt2fyfuuCp9+VQOlgEJk/xKEaYeoX2HCtp2es=
MIN_GO=1.25.8 # go.mod of the upstream provider

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/docker-provider"
log() { echo "[docker-plugin] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

version=${1:-}
if [[ -z $version ]]; then
  version=$("${PYTHON:-python3}" -c '
import json, pathlib, pulumi_docker
print(json.loads((pathlib.Path(pulumi_docker.__file__).parent / "pulumi-plugin.json").read_text())["version"])
') || die "cannot read the plugin version from pulumi_docker (set PYTHON or pass VERSION)"
fi
version=${version#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$ ]] || die "bad version '$version'"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/docker-networking-iac/docker-plugin"
out_dir="$cache_root/$version"
bin="$out_dir/pulumi-resource-docker"
if [[ -x $bin ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi
[[ ${version%%.*} == 5 ]] || log "warning: token/field mapping targets pulumi_docker 5.x, building $version anyway"

command -v go >/dev/null || die "go is not on PATH (Go >= $MIN_GO needed)"
go_ver=$(cd / && GOTOOLCHAIN=local go env GOVERSION); go_ver=${go_ver#go}
[[ $(printf '%s\n%s\n' "$MIN_GO" "$go_ver" | sort -V | head -n1) == "$MIN_GO" ]] \
  || die "Go $go_ver is too old, need >= $MIN_GO"

mkdir -p "$cache_root"
# One build at a time per cache (parallel callers wait, then reuse the result).
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.lock"
  flock 9
  have_lock=1
  if [[ -x $bin ]]; then log "cached: $bin"; echo "$bin"; exit 0; fi
fi

# A fixed build path (under the lock) lets Go's build cache hit on rebuilds.
if [[ -n ${have_lock:-} ]]; then
  work="$cache_root/build"; chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; mkdir -p "$work"
else
  work=$(mktemp -d "$cache_root/build.XXXXXX")
fi
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off CGO_ENABLED=0
start=$SECONDS

log "step 1/5: fetching the pinned upstream provider and SDK fork..."
# These two are copied (and extended) rather than required, so go.sum does not
# cover them: check their checksums here. Prints the module's directory.
moddir() {
  local json dir sum
  json=$(cd "$work" && go mod download -json "$1@$2") || die "download of $1@$2 failed"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
  sum=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$json")
  [[ $sum == "$3" ]] || die "checksum of $1@$2 is '$sum', expected '$3'"
  [[ -d $dir ]] || die "no directory for $1@$2"
  echo "$dir"
}
up_src=$(moddir "$UPSTREAM_MOD" "$UPSTREAM_VER" "$UPSTREAM_SUM")
sdk_src=$(moddir "$SDKV2_MOD" "$SDKV2_VER" "$SDKV2_SUM")

log "step 2/5: preparing the build tree in $work..."
cp -R "$up_src" "$work/upstream"
cp -R "$sdk_src" "$work/sdkv2"
chmod -R u+w "$work/upstream" "$work/sdkv2"
# The upstream provider lives in an internal package; this shim re-exports it
# (Pulumi's own build adds the same package to its upstream checkout).
mkdir -p "$work/upstream/shim"
cat >"$work/upstream/shim/shim.go" <<'EOF'
// Package shim exposes the SDKv2 provider from upstream's internal package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

func NewProvider() *schema.Provider { return provider.New("pulumi")() }
EOF
# The upstream provider needs terraform-plugin-go v0.31, whose ProviderServer
# interface gained GenerateResourceConfig; the SDK fork the bridge needs is
# older and lacks it. Add a stub (Pulumi never calls it).
cat >"$work/sdkv2/helper/schema/grpc_provider_generate_config.go" <<'EOF'
package schema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

// GenerateResourceConfig is required by tfprotov5.ProviderServer since
// terraform-plugin-go v0.31; unsupported here.
func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{Diagnostics: []*tfprotov5.Diagnostic{{
		Severity: tfprotov5.DiagnosticSeverityError,
		Summary:  "GenerateResourceConfig is not supported by this provider",
	}}}, nil
}
EOF
# Upstream already negotiates the Docker API version (client.WithAPIVersionNegotiation)
# and honours DOCKER_HOST, so no patch is needed for older engines.
grep -q WithAPIVersionNegotiation "$work/upstream/internal/provider/config.go" \
  || die "upstream no longer negotiates the Docker API version; review the pin"
mkdir -p "$work/src"
cp -R "$src/main.go" "$src/dockerinfo" "$src/tfgen" "$src/go.sum" "$work/src/"
cp "$src/go.mod.in" "$work/src/go.mod"
cd "$work/src"

log "step 3/5: downloading modules (first run: a few minutes)..."
# docker_compose is a plugin-framework resource (not served by the bridged
# SDKv2 provider anyway); the tag keeps its heavy dependencies out.
tags=no_compose
# Fetches exactly the modules the build needs; go.sum (committed) pins them.
go list -deps -tags "$tags" ./tfgen >/dev/null
log "step 4/5: building the schema generator and generating schema.json (slow: ~5-10 min on 2 cores)..."
go build -trimpath -tags "$tags" -o "$work/tfgen-bin" ./tfgen
"$work/tfgen-bin" schema --out "$work/schema" --skip-docs >&2
cp "$work/schema/schema.json" ./schema.json

log "step 5/5: building pulumi-resource-docker $version..."
go build -trimpath -tags "$tags" \
  -ldflags "-s -w -X docker-networking-iac/docker-provider/dockerinfo.Version=$version" \
  -o "$work/pulumi-resource-docker" .
reported=$("$work/pulumi-resource-docker" -version)
[[ $reported == "$version" ]] || die "built plugin reports version '$reported', expected '$version'"

mkdir -p "$out_dir"
cp "$work/schema/schema.json" "$out_dir/schema.json"
mv "$work/pulumi-resource-docker" "$bin.tmp"
mv "$bin.tmp" "$bin"
log "done in $((SECONDS - start))s: $bin"
echo "$bin"
