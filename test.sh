#!/usr/bin/env bash
# Install and run the whole test suite: ./test.sh  (extra arguments go to pytest)
# Against PostgreSQL: IGP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# exact versions with sha256 hashes from requirements-dev.lock (see README, "Dependencies"), then the app
# itself; a Python the lock does not fit falls back to the ranges in setup.cfg, saying so
if ! .venv/bin/python -m pip install --quiet --require-hashes -r requirements-dev.lock; then
  echo "warning: requirements-dev.lock does not install on this Python; installing from setup.cfg's version ranges" >&2
  .venv/bin/python -m pip install --quiet -e ".[dev]"
fi
.venv/bin/python -m pip install --quiet --no-deps -e .
if ! .venv/bin/python -m pip check >/dev/null; then  # setup.cfg names a package the lock lacks
  echo "warning: requirements-dev.lock is out of date with setup.cfg (run .ci/lock); installing what is missing" >&2
  [ -z "${CI:-}" ] || { .venv/bin/python -m pip check; exit 1; }
  .venv/bin/python -m pip install --quiet -e ".[dev]"
fi
exec .venv/bin/python -m pytest "$@"
