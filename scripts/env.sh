#!/usr/bin/env bash
# Prints the export lines that make the plain CLI work: eval "$(make -s env)".
# What the person set already is kept: PULUMI_BACKEND_URL (else the project's local file backend) and
# PULUMI_CONFIG_PASSPHRASE[_FILE] (else the passphrase file the set-up generates). PATH and PULUMI_HOME
# follow what scripts/toolchain/install.sh decided (.tools/toolchain.env). An engine chosen by a Docker
# context (DOCKER_CONTEXT, or `docker context use`) is exported as DOCKER_HOST, with its TLS files, and
# DOCKER_CONTEXT unset: pulumi-docker's provider reads no current context nor a context's TLS files, and
# the docker CLI, docker-py and the project's own providers read DOCKER_HOST as it does
# (components/engine/target.py).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# Before the set-up there is no virtualenv and no decision on the CLI: exports printed now would leave
# `pulumi` "command not found" in the next line. Nothing on stdout, so `eval` changes nothing.
LOG_TAG=env
[[ -r "$TOOLCHAIN_ENV" && -x "$PYTHON" ]] || die "the set-up has not run in this clone yet: run \`make setup\`" \
  "(or \`make up STACK=redis\`, which runs it), then eval \"\$(make -s env)\" again"
PATH_PREPEND="$(sed -n 's/^PATH_PREPEND=//p' "$TOOLCHAIN_ENV")"
PULUMI_HOME_PRIVATE="$(sed -n 's/^PULUMI_HOME=//p' "$TOOLCHAIN_ENV")"
echo "export PATH=\"${PATH_PREPEND:+$PATH_PREPEND:}$VENV/bin:\${PATH}\""
echo "export PULUMI_BACKEND_URL=\"${PULUMI_BACKEND_URL:-file://$BACKEND_DIR}\""
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  echo "export PULUMI_CONFIG_PASSPHRASE_FILE=\"$PASSPHRASE_FILE\""
fi
echo "export PULUMI_SKIP_UPDATE_CHECK=true"
if [[ -n "$PULUMI_HOME_PRIVATE" ]]; then
  # The plugin the project built lives here; automatic acquisition would only look for it online.
  echo "export PULUMI_HOME=\"$PULUMI_HOME_PRIVATE\""
  echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
fi
if [[ -z "${DOCKER_HOST:-}" && -x "$PYTHON" ]] && { [[ -n "${DOCKER_CONTEXT:-}" ]] \
    || grep -qs '"currentContext"' "${DOCKER_CONFIG:-$HOME/.docker}/config.json"; }; then
  (cd "$REPO_ROOT" && "$PYTHON" -m components.engine.endpoint)
fi
