#!/usr/bin/env bash
# Install and run the IGP app on SQLite with demo data: ./run.sh  (then open the printed URL)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
quietly() {  # the installer's chatter (and setuptools' warnings) goes to a log; shown only when it fails
  if ! "$@" > .venv/install.log 2>&1; then cat .venv/install.log >&2; return 1; fi
}
echo "Installing (log: .venv/install.log) ..."
quietly .venv/bin/python -m pip install --upgrade pip
# exact versions with sha256 hashes from requirements.lock (see README, "Dependencies"), then the app
# itself; a Python the lock does not fit falls back to the ranges in setup.cfg, saying so
if ! quietly .venv/bin/python -m pip install --require-hashes -r requirements.lock; then
  echo "warning: requirements.lock does not install on this Python; installing from setup.cfg's version ranges" >&2
  quietly .venv/bin/python -m pip install -e .
fi
quietly .venv/bin/python -m pip install --no-deps -e .
if ! .venv/bin/python -m pip check >/dev/null 2>&1; then  # setup.cfg names a package the lock lacks
  echo "warning: requirements.lock is out of date with setup.cfg (run .ci/lock); installing what is missing" >&2
  [ -z "${CI:-}" ] || { .venv/bin/python -m pip check; exit 1; }
  quietly .venv/bin/python -m pip install -e .
fi
export IGP_ENV=development
# Development only: demo users have no authenticator app yet. Production refuses this setting.
export IGP_REQUIRE_TOTP="${IGP_REQUIRE_TOTP:-0}"
.venv/bin/flask --app igp db upgrade 2>&1 | grep -v '^INFO  \[alembic' || true
.venv/bin/flask --app igp demo --if-empty
PORT="${PORT:-5000}"
echo
echo "IGP is running at http://127.0.0.1:${PORT}/  (stop with Ctrl+C)"
exec .venv/bin/flask --app igp run --host 127.0.0.1 --port "$PORT"
