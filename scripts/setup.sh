#!/usr/bin/env bash
# One command from a fresh clone to a working `pulumi up`: Python, the Pulumi toolchain, the Docker
# engine, the images and the state backend. Every step is idempotent; a second run takes seconds.
set -euo pipefail
LOG_TAG=setup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
started=$SECONDS

# 1. Python: the project's virtualenv, reinstalled only when requirements.txt changes.
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REPO_ROOT/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$PYTHON" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  log "python: creating $VENV and installing requirements.txt"
  python3 -m venv "$VENV"
  "$PYTHON" -m pip install -q --upgrade pip >&2
  "$PYTHON" -m pip install -q -r "$REPO_ROOT/requirements.txt" >&2
  echo "$want" > "$stamp"
else
  log "python: $VENV is up to date"
fi

# Every pulumi command imports the program's modules in two processes (the program and the dynamic
# provider host), once per pass. Python caches their bytecode by itself, unless PYTHONDONTWRITEBYTECODE
# is set, as on these machines: then write it here, once (stale files are ignored by Python).
"$PYTHON" -m compileall -q "$REPO_ROOT/components" "$REPO_ROOT/scenarios" >/dev/null

# 2. Host tools the tests use: redis-server checks every rendered redis.conf in the unit tests.
if ! command -v redis-server >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "redis-server is missing: apt-get install redis-server (the unit tests start it)"
  log "installing Debian's redis-server (the unit tests validate rendered configs with it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2; }
fi

# 3. Engine first: the images and the tests need it, and the toolchain build can take minutes.
"$REPO_ROOT/scripts/engine.sh"

# 4. Pulumi CLI, language host, docker plugin.
"$REPO_ROOT/scripts/toolchain/install.sh"

# 5. Images the stacks and tests use.
"$REPO_ROOT/scripts/images.sh" >&2

# 6. State: a local file backend and a passphrase that is generated once and never prompted for.
mkdir -p "$BACKEND_DIR" "$CONFIG_DIR"
if [[ ! -s "$PASSPHRASE_FILE" ]]; then
  (umask 077; "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$PASSPHRASE_FILE")
  log "state: generated a passphrase in $PASSPHRASE_FILE (keep it: it decrypts the stacks' secrets)"
fi
eval "$("$REPO_ROOT/scripts/env.sh")"
for stack in bridge link mynet redis; do
  if ! output=$(cd "$REPO_ROOT" && pulumi stack select --create "$stack" 2>&1); then
    printf '%s\n' "$output" >&2
    # The usual cause: stacks/Pulumi.$stack.yaml carries an encryptionsalt made with another passphrase.
    die "could not create the stack '$stack' in $PULUMI_BACKEND_URL (if the error is about the passphrase," \
        "the encryptionsalt line in stacks/Pulumi.$stack.yaml was made with another one: remove that line)"
  fi
done
log "ready in $((SECONDS - started))s: eval \"\$(make -s env)\" then pulumi up -s redis"
