#!/usr/bin/env bash
# Install and run the IGP app on SQLite with demo data: ./run.sh  (then open the printed URL)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# exact versions with sha256 hashes from requirements.lock (see README, "Dependencies"), then the app
# itself; a Python the lock does not fit falls back to the ranges in setup.cfg, saying so
if ! .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock; then
  echo "warning: requirements.lock does not install on this Python; installing from setup.cfg's version ranges" >&2
  .venv/bin/python -m pip install --quiet -e .
fi
.venv/bin/python -m pip install --quiet --no-deps -e .
if ! .venv/bin/python -m pip check >/dev/null; then  # setup.cfg names a package the lock lacks
  echo "warning: requirements.lock is out of date with setup.cfg (run .ci/lock); installing what is missing" >&2
  [ -z "${CI:-}" ] || { .venv/bin/python -m pip check; exit 1; }
  .venv/bin/python -m pip install --quiet -e .
fi
export IGP_ENV=development
# Development only: demo users have no authenticator app yet. Production refuses this setting.
export IGP_REQUIRE_TOTP="${IGP_REQUIRE_TOTP:-0}"
.venv/bin/flask --app igp db upgrade
.venv/bin/flask --app igp demo --if-empty
PORT="${PORT:-5000}"
echo
echo "IGP is running at http://127.0.0.1:${PORT}/  (stop with Ctrl+C)"
exec .venv/bin/flask --app igp run --host 127.0.0.1 --port "$PORT"
