#!/usr/bin/env bash
# Puts the Pulumi CLI, a Python language host and the docker resource plugin where the project's
# commands find them: .tools/bin (on PATH through `make env`) and the CLI's plugin cache.
set -euo pipefail
LOG_TAG=toolchain
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
[[ -x "$PYTHON" ]] || die "no project virtualenv at $VENV: run scripts/setup.sh (make setup)"

mkdir -p "$TOOLS_BIN"
cli_dir="$("$REPO_ROOT/scripts/toolchain/pulumi_cli.sh")"
ln -sfn "$cli_dir/pulumi" "$TOOLS_BIN/pulumi"
export PATH="$TOOLS_BIN:$PATH" PULUMI_SKIP_UPDATE_CHECK=true

# Language host: the official one when the CLI came with it, else the project's own (language-host/, Go),
# which runs each program in a Python process (program_runner.py). Either way it sits beside the real
# `pulumi` binary, where the CLI looks for bundled plugins first (a host found only on $PATH makes every
# command print a warning). program_runner.py, or language_host.py of an older set-up, marks ours.
if [[ -x "$cli_dir/pulumi-language-python" && ! -e "$cli_dir/program_runner.py" && ! -e "$cli_dir/language_host.py" ]]; then
  log "language host: the official pulumi-language-python"
else
  host_binary="$("$REPO_ROOT/scripts/toolchain/language_host_build.sh" | tail -n 1)"
  cp --remove-destination "$host_binary" "$cli_dir/pulumi-language-python"
  rm -f "$cli_dir/language_host.py" "$cli_dir/sdk_language_host.py"  # an older set-up's Python host
  for file in program_runner.py dynamic_host.py host_process.py; do
    cp "$REPO_ROOT/scripts/toolchain/$file" "$cli_dir/$file"
  done
  # The dynamic provider host runs on the project's virtualenv (.venv, as Pulumi.yaml says), else python3.
  cat > "$cli_dir/pulumi-resource-pulumi-python" <<'SH'
#!/bin/sh
# Runs the Python SDK's dynamic provider host on the project's virtualenv (scripts/toolchain/dynamic_host.py).
py=python3; [ -x "$PWD/.venv/bin/python" ] && py="$PWD/.venv/bin/python"
exec "$py" -u "$(dirname "$(readlink -f "$0")")/dynamic_host.py" "$@"
SH
  chmod +x "$cli_dir/pulumi-language-python" "$cli_dir/pulumi-resource-pulumi-python"
  log "language host: the project's own (scripts/toolchain/language-host)"
fi
for bin in "$cli_dir"/pulumi-language-python* "$cli_dir"/pulumi-resource-pulumi-python "$cli_dir"/pulumi-analyzer-policy-python; do
  [[ -e "$bin" ]] && ln -sfn "$bin" "$TOOLS_BIN/$(basename "$bin")"
done

# The docker plugin, at exactly the version the installed pulumi_docker package declares.
docker_version="$("$PYTHON" -c 'import json, importlib.resources as r; print(json.loads((r.files("pulumi_docker") / "pulumi-plugin.json").read_text())["version"])')"
if pulumi plugin ls --json 2>/dev/null | "$PYTHON" -c '
import json, sys
want = sys.argv[1]
plugins = json.load(sys.stdin) or []
sys.exit(0 if any(p["name"] == "docker" and p["kind"] == "resource" and p["version"] == want for p in plugins) else 1)
' "$docker_version"; then
  log "docker resource plugin v$docker_version: installed"
elif mkdir -p "$CACHE_DIR" && timeout 90 pulumi plugin install resource docker "$docker_version" \
       >"$CACHE_DIR/plugin-download.log" 2>&1; then
  log "docker resource plugin v$docker_version: downloaded"
else
  log "docker resource plugin v$docker_version: no download ($(tail -n 1 "$CACHE_DIR/plugin-download.log")); building it from Go modules"
  binary="$(PYTHON="$PYTHON" "$REPO_ROOT/scripts/toolchain/docker_plugin.sh" "$docker_version" | tail -n 1)"
  pulumi plugin install resource docker "$docker_version" --file "$binary" >&2
  log "docker resource plugin v$docker_version: installed from $binary"
fi
