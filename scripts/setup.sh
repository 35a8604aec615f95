#!/usr/bin/env bash
# What `make up`, `make preview` and `make destroy` need, from a fresh clone: the project's virtualenv, an
# engine that answers, the Pulumi toolchain and the state backend. A person with Docker, Pulumi and
# Python 3 needs no root, no apt-get and no compiler here. Idempotent: a second run takes seconds.
# What only the tests need comes from scripts/test_setup.sh (`make test`).
set -euo pipefail
LOG_TAG=setup
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
started=$SECONDS

# 1. Python: the project's virtualenv, reinstalled only when requirements.txt changes.
command -v python3 >/dev/null || die "python3 is missing: install Python 3.9 or newer"
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REPO_ROOT/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$PYTHON" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  python3 -c 'import ensurepip, venv' 2>/dev/null \
    || die "python3 cannot make virtualenvs here: install its venv module (on Debian and Ubuntu:" \
           "sudo apt-get install python3-venv) and run this again"
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

# 2. Engine first: it is the most likely thing to be missing, and the toolchain build can take minutes.
"$REPO_ROOT/scripts/engine.sh"

# 3. Pulumi CLI, language host, docker plugin: the person's own where they have them.
"$REPO_ROOT/scripts/toolchain/install.sh"

# 4. State: the person's PULUMI_BACKEND_URL and passphrase if set, else a local file backend and a
#    passphrase generated once and never prompted for.
eval "$("$REPO_ROOT/scripts/env.sh")"
if [[ "$PULUMI_BACKEND_URL" == "file://$BACKEND_DIR" ]]; then
  mkdir -p "$BACKEND_DIR"
else
  log "state: your PULUMI_BACKEND_URL ($PULUMI_BACKEND_URL)"
fi
if [[ "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" == "$PASSPHRASE_FILE" && ! -s "$PASSPHRASE_FILE" ]]; then
  mkdir -p "$CONFIG_DIR"
  (umask 077; "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$PASSPHRASE_FILE")
  log "state: generated a passphrase in $PASSPHRASE_FILE (keep it: it decrypts the stacks' secrets)"
fi
if ! whoami_output="$(cd "$REPO_ROOT" && pulumi whoami --non-interactive 2>&1)"; then
  printf '%s\n' "$whoami_output" >&2
  die "the state backend $PULUMI_BACKEND_URL cannot be used (above: what pulumi said). Fix: log in to it" \
      "(pulumi login $PULUMI_BACKEND_URL), or unset PULUMI_BACKEND_URL to use the project's local file backend"
fi
log "ready in $((SECONDS - started))s: make up STACK=redis, or eval \"\$(make -s env)\" then pulumi up -s redis"
