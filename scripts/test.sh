#!/usr/bin/env bash
# `make test` and `make test-soak`, with the arguments given (PYTEST_ARGS).
#   scripts/test.sh ARGS...          every test but those marked `alone`, on WORKERS parallel workers
#                                    (pytest-xdist): each worker is a test session of its own, with a run
#                                    prefix, subnets and ports of its own, and takes whole modules (a module's
#                                    tests share the stack it deployed, in file order; tests/conftest.py)
#   scripts/test.sh --alone ARGS...  the tests marked `alone`, one after the other: the soak's, which assert
#                                    windows of time that other workers beside them would stretch, and take
#                                    minutes by nature
# A selection that comes out empty (arguments that name only the other kind) is no failure.
set -uo pipefail
cd "$(dirname "$0")/.."
WORKERS="${WORKERS:-4}"
NOTHING_COLLECTED=5

if [[ "${1:-}" == --alone ]]; then
  shift
  .venv/bin/python -m pytest -m alone "$@"
else
  .venv/bin/python -m pytest -n "$WORKERS" -m "not alone" "$@"
fi
code=$?
[[ $code -eq $NOTHING_COLLECTED ]] && exit 0
exit "$code"
