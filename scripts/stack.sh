#!/usr/bin/env bash
# Before `make up` and `make preview`: the stack exists in the backend, and its image is one the engine has.
set -euo pipefail
LOG_TAG=stack
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
stack="${1:?usage: stack.sh STACK}"
[[ -f "$REPO_ROOT/stacks/Pulumi.$stack.yaml" ]] || die "no stack '$stack' in stacks/: use one of" \
  "$(cd "$REPO_ROOT/stacks" && ls Pulumi.*.yaml | sed 's/^Pulumi\.//; s/\.yaml$//' | paste -sd' ' -)"
cd "$REPO_ROOT"
if ! output="$(pulumi stack select --create "$stack" --non-interactive 2>&1)"; then
  printf '%s\n' "$output" >&2
  # The usual cause: stacks/Pulumi.$stack.yaml carries an encryptionsalt made with another passphrase.
  die "could not create or select the stack '$stack' in $PULUMI_BACKEND_URL (if the error is about the" \
      "passphrase, the encryptionsalt line in stacks/Pulumi.$stack.yaml was made with another one: remove that line)"
fi
exec "$REPO_ROOT/scripts/select_images.sh" "$stack"
