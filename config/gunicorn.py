"""gunicorn settings for production: `gunicorn -c config/gunicorn.py "igp:create_app()"`.

Overridable on the command line (e.g. --workers, --bind). The hook moves the objects that exist
once a worker has loaded the app (the app, SQLAlchemy, Jinja, all modules: ~180,000 objects) out
of Python's cyclic garbage collector. Without it, pages that build many ORM objects trigger a full
collection every few requests, which the benchmark measured as ~50 ms on the p95 (bench/README.md).
"""
import gc
import os

bind = "127.0.0.1:8000"
# One sync worker per core (WEB_CONCURRENCY overrides it). Measured on 2 cores with the database and the
# client on the same machine (bench/results/issue21-session10.md): 2 sync workers 91 req/s at p95 160 ms,
# 3 workers 85, 4 workers 79-83 (p95 181-191), 2 gthread workers x 2 threads 78 (p95 267); at 100,000
# families 2 workers 67 against 4 workers 62. The application's CPU is the limit: a worker more only adds
# switching between them (4 workers used 19.6 ms of CPU per request, 2 workers 16.8 ms). A deployment with
# long requests (large exports) may want a worker more, so that one of them does not hold up the others;
# so may a one-core machine. The cores are those this process may run on (a container limited by a CPU
# quota rather than by CPUs is not seen: set WEB_CONCURRENCY there).


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


workers = max(1, int(os.environ.get("WEB_CONCURRENCY") or _cores()))
worker_class = "sync"
timeout = 60
graceful_timeout = 10
# The app answers URLs over IGP_MAX_URL_LENGTH (8000) itself, with a 414 in JSON on /api/. gunicorn's
# own limit sits above it (8190 is its maximum), so its bare-text answer is for lines no client sends.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):  # the worker has loaded the WSGI app
    gc.collect()
    gc.freeze()


def on_starting(server):
    """Refuse a per-process rate-limit store when several workers share the sign-in limit:
    with memory:// each worker counts on its own (n workers: n x the limit). Production refuses
    it anyway (config/settings.py); elsewhere (a benchmark with a huge limit) it is a warning."""
    store = os.environ.get("IGP_RATELIMIT_STORAGE_URL", "").strip() or "memory://"
    if server.cfg.workers > 1 and store.startswith("memory://"):
        message = (f"IGP_RATELIMIT_STORAGE_URL={store} with {server.cfg.workers} workers: every worker counts "
                   "sign-in attempts on its own; set a shared store (redis://HOST:6379/N)")
        if os.environ.get("IGP_ENV", "development").strip().lower() == "production":
            raise SystemExit("igp: refusing to start: " + message)
        server.log.warning("igp: %s", message)
