#!/usr/bin/env bash
# Install and run the whole test suite: ./test.sh  (extra arguments go to pytest)
#   ./test.sh --fast   everything but the slow tests (matrices, fuzzing, scale, browser): the quick loop
# Against PostgreSQL: IGP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ./test.sh
# (each of the test processes then uses a database of its own: test_gw0, test_gw1).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
quietly() {  # the installer's chatter goes to a log; shown only when it fails
  if ! "$@" > .venv/install.log 2>&1; then cat .venv/install.log >&2; return 1; fi
}
quietly .venv/bin/python -m pip install --upgrade pip
# exact versions with sha256 hashes from requirements-dev.lock (see README, "Dependencies"), then the app
# itself; a Python the lock does not fit falls back to the ranges in setup.cfg, saying so
if ! quietly .venv/bin/python -m pip install --require-hashes -r requirements-dev.lock; then
  echo "warning: requirements-dev.lock does not install on this Python; installing from setup.cfg's version ranges" >&2
  quietly .venv/bin/python -m pip install -e ".[dev]"
fi
quietly .venv/bin/python -m pip install --no-deps -e .
if ! .venv/bin/python -m pip check >/dev/null; then  # setup.cfg names a package the lock lacks
  echo "warning: requirements-dev.lock is out of date with setup.cfg (run .ci/lock); installing what is missing" >&2
  [ -z "${CI:-}" ] || { .venv/bin/python -m pip check; exit 1; }
  quietly .venv/bin/python -m pip install -e ".[dev]"
fi
WORKERS="${IGP_TEST_WORKERS:-2}"
PYTEST=(.venv/bin/python -m pytest)
if [ "${1:-}" = "--fast" ]; then
  shift
  exec "${PYTEST[@]}" -n "$WORKERS" -m "not slow and not e2e" "$@"
fi
for arg in "$@"; do
  if [ "$arg" = "-m" ]; then  # the caller selects: one run
    exec "${PYTEST[@]}" -n "$WORKERS" "$@"
  fi
done
# the browser tests serve the app on a port of their own: they run after the rest, in one process
"${PYTEST[@]}" -n "$WORKERS" -m "not e2e" "$@"
status=0
"${PYTEST[@]}" -m e2e "$@" || status=$?
[ "$status" -eq 5 ] && status=0   # no browser test in the selection
exit "$status"
