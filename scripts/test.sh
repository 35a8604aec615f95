#!/usr/bin/env bash
# `make test`: the suite in two passes, with the arguments given (PYTEST_ARGS).
#  1. everything but the tests marked `alone`, on WORKERS parallel workers (pytest-xdist): each worker is a
#     test session of its own, with a run prefix, subnets and ports of its own, and takes whole modules
#     (a module's tests share the stack it deployed, in file order; tests/conftest.py);
#  2. the tests marked `alone`, one after the other: what they assert is a window of time (the soak's
#     write gaps and failover windows), which other workers beside them would stretch.
# A pass whose selection is empty (arguments that name only one kind of test) is no failure.
set -uo pipefail
cd "$(dirname "$0")/.."
WORKERS="${WORKERS:-4}"
NOTHING_COLLECTED=5

status=0
for pass in parallel alone; do
  if [[ $pass == parallel ]]; then
    .venv/bin/python -m pytest -n "$WORKERS" -m "not alone" "$@"
  else
    .venv/bin/python -m pytest -m alone "$@"
  fi
  code=$?
  [[ $code -eq 0 || $code -eq $NOTHING_COLLECTED ]] || status=$code
done
exit "$status"
