#!/usr/bin/env bash
# `make lint`: ruff (lint and format check) and mypy over the Python code, and lint-imports over its
# architecture (the contracts in pyproject.toml), with the versions requirements-dev.txt pins, installed
# into the project's virtualenv when missing.
set -euo pipefail
LOG_TAG=lint
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x "$PYTHON" ]] || die "no project virtualenv at $VENV: run make setup"
stamp="$VENV/.requirements-dev.sha256"
want="$(sha256sum "$REPO_ROOT/requirements-dev.txt" | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  log "installing requirements-dev.txt into $VENV"
  "$PYTHON" -m pip install -q -r "$REPO_ROOT/requirements-dev.txt" >&2
  echo "$want" > "$stamp"
fi
cd "$REPO_ROOT"
status=0
"$VENV/bin/ruff" check . || status=1
"$VENV/bin/ruff" format --check . || status=1
"$VENV/bin/mypy" || status=1
# Its whole report (a banner, every contract) only when a contract is broken; else its last line, the count.
if report="$("$VENV/bin/lint-imports" 2>&1)"; then
  tail -n 1 <<<"$report"
else
  echo "$report"
  status=1
fi
[[ $status -eq 0 ]] && log "clean: ruff check, ruff format --check, mypy, lint-imports"
exit $status
