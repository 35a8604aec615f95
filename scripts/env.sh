#!/usr/bin/env bash
# Prints the export lines that make the plain CLI work: eval "$(make -s env)".
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cat <<ENV
export PATH="$TOOLS_BIN:$VENV/bin:\${PATH}"
export PULUMI_BACKEND_URL="file://$BACKEND_DIR"
export PULUMI_CONFIG_PASSPHRASE_FILE="$PASSPHRASE_FILE"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
ENV
