#!/usr/bin/env bash
# Finds or installs the Pulumi CLI, a Python language host and the docker resource plugin, and writes
# what it decided to .tools/toolchain.env, which scripts/env.sh turns into exports.
#  - A person's own Pulumi install (see pulumi_cli.sh) is used where it is and never written to.
#  - What the project installed or built itself lives in its own places: the CLI and its hosts in the
#    per-user cache (linked from .tools/bin), a plugin it had to build in a private PULUMI_HOME, so that
#    no other Pulumi project of the person ever picks up those builds.
set -euo pipefail
LOG_TAG=toolchain
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
[[ -x "$PYTHON" ]] || die "no project virtualenv at $VENV: run scripts/setup.sh (make setup)"

mkdir -p "$TOOLS_BIN"
cli_dir="$("$REPO_ROOT/scripts/toolchain/pulumi_cli.sh")"
path_prepend=""
if [[ "$cli_dir" == "$CACHE_DIR"/* ]]; then
  # The project's own CLI. Language host: the official one when the CLI came with it, else the
  # project's (language-host/, Go), which runs each program in a Python process (program_runner.py).
  # Either way it sits beside the real `pulumi` binary, where the CLI looks for bundled plugins first (a
  # host found only on $PATH makes every command print a warning). program_runner.py marks ours.
  if [[ -x "$cli_dir/pulumi-language-python" && ! -e "$cli_dir/program_runner.py" ]]; then
    log "language host: the official pulumi-language-python"
  else
    host_binary="$("$REPO_ROOT/scripts/toolchain/language_host_build.sh" | tail -n 1)"
    cp --remove-destination "$host_binary" "$cli_dir/pulumi-language-python"
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
  for bin in "$cli_dir"/pulumi "$cli_dir"/pulumi-language-python* "$cli_dir"/pulumi-resource-pulumi-python \
             "$cli_dir"/pulumi-analyzer-policy-python; do
    [[ -e "$bin" ]] && ln -sfn "$bin" "$TOOLS_BIN/$(basename "$bin")"
  done
  path_prepend="$TOOLS_BIN"
else
  # The person's own CLI: links an earlier set-up left must not shadow it.
  rm -f "$TOOLS_BIN"/pulumi*
fi
export PATH="${path_prepend:+$path_prepend:}$PATH" PULUMI_SKIP_UPDATE_CHECK=true

# The docker plugin, at exactly the version the installed pulumi_docker package declares.
docker_version="$(docker_plugin_version)"
# The person's own Pulumi home (a shell that evaluated `make -s env` may carry the private one).
person_home="${PULUMI_HOME:-$HOME/.pulumi}"
[[ "$person_home" == "$PRIVATE_PULUMI_HOME" ]] && person_home="$HOME/.pulumi"
has_plugin() {  # has_plugin [PULUMI_HOME]: prints the plugin's directory when that home has it
  local home="${1:-$person_home}"
  PULUMI_HOME="$home" pulumi plugin ls --json 2>/dev/null | "$PYTHON" -c '
import json, sys
plugins = json.load(sys.stdin) or []
sys.exit(0 if any(p["name"] == "docker" and p["kind"] == "resource" and p["version"] == sys.argv[1]
                  for p in plugins) else 1)
' "$docker_version" && echo "$home/plugins/resource-docker-v$docker_version"
}
built_plugin="$CACHE_DIR/docker-plugin/$docker_version/pulumi-resource-docker"
install_private() {  # the project's build, where only the project's commands look
  PULUMI_HOME="$PRIVATE_PULUMI_HOME" pulumi plugin install resource docker "$docker_version" --file "$1" >&2
  echo "built from Go modules by scripts/toolchain/docker_plugin.sh" > "$(has_plugin "$PRIVATE_PULUMI_HOME")/$BUILT_MARKER"
}
pulumi_home=""
if global="$(has_plugin)"; then
  if [[ -x "$built_plugin" ]] && cmp -s "$built_plugin" "$global/pulumi-resource-docker"; then
    # An earlier set-up put the project's build in the person's own plugin cache: move it out.
    install_private "$built_plugin"
    PULUMI_HOME="$person_home" pulumi plugin rm resource docker "$docker_version" --yes >/dev/null 2>&1 || true
    pulumi_home="$PRIVATE_PULUMI_HOME"
    log "docker resource plugin v$docker_version: the project's build, moved out of your plugin cache to $PRIVATE_PULUMI_HOME"
  else
    log "docker resource plugin v$docker_version: installed ($global)"
  fi
elif has_plugin "$PRIVATE_PULUMI_HOME" >/dev/null; then
  pulumi_home="$PRIVATE_PULUMI_HOME"
  log "docker resource plugin v$docker_version: the project's build ($PRIVATE_PULUMI_HOME)"
elif mkdir -p "$CACHE_DIR" && timeout 90 pulumi plugin install resource docker "$docker_version" \
       >"$CACHE_DIR/plugin-download.log" 2>&1; then
  log "docker resource plugin v$docker_version: downloaded, the official release"
else
  log "docker resource plugin v$docker_version: no download ($(tail -n 1 "$CACHE_DIR/plugin-download.log")); building it from Go modules"
  binary="$(PYTHON="$PYTHON" "$REPO_ROOT/scripts/toolchain/docker_plugin.sh" "$docker_version" | tail -n 1)"
  install_private "$binary"
  pulumi_home="$PRIVATE_PULUMI_HOME"
  log "docker resource plugin v$docker_version: the project's build, in $PRIVATE_PULUMI_HOME (used by this project only)"
fi

cat > "$TOOLCHAIN_ENV" <<ENV
# Written by scripts/toolchain/install.sh; read by scripts/env.sh.
PATH_PREPEND=$path_prepend
PULUMI_HOME=$pulumi_home
ENV
