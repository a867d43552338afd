"""The app factory's work (igp.create_app calls build_app): settings, extensions, the session
hooks of the audit chain and the mail outbox, the web layer, the blueprints and the CLI.

Importing this module imports the whole application; `import igp` does not (igp.create_app
imports it when called), so no module below it can reach the app by accident."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from werkzeug.middleware.proxy_fix import ProxyFix

from config import settings_from_env
from igp import clock as clock_module
from igp import (
    mail,
    models,  # noqa: F401  (registers every table on the metadata)
    process_cache,
    request_cache,
)
from igp.admin import extra_views  # noqa: F401  (adds settings routes to the admin blueprint)
from igp.admin.views import bp as admin_bp
from igp.api import bp as api_bp
from igp.audit import services as audit
from igp.audit.views import bp as audit_bp
from igp.audit.witness import Witness
from igp.auth.views import bp as auth_bp
from igp.cli import register as register_cli
from igp.coordination.views import bp as coordination_bp
from igp.crypto import Keyring
from igp.extensions import csrf, db, limiter, login_manager, migrate
from igp.families.views import bp as families_bp
from igp.fhir import import_views  # noqa: F401  (POST /fhir, PUT /fhir/Task/{id} register on the fhir blueprint)
from igp.fhir.views import bp as fhir_bp
from igp.handover.views import bp as handover_bp
from igp.ids import IdConverter
from igp.main import bp as main_bp
from igp.mdo.views import bp as mdo_bp
from igp.notifications.views import bp as notifications_bp
from igp.paths import PROJECT_ROOT
from igp.plan.views import bp as plan_bp
from igp.reporting import rollup
from igp.reporting.views import bp as reporting_bp
from igp.sharing import guard
from igp.sharing.views import bp as sharing_bp
from igp.web import register_web

BLUEPRINTS = (main_bp, auth_bp, families_bp, handover_bp, coordination_bp, mdo_bp, notifications_bp, sharing_bp,
              reporting_bp, audit_bp, admin_bp, api_bp, plan_bp, fhir_bp)


def build_app(settings=None, clock=None) -> Flask:
    settings = settings if settings is not None else settings_from_env()
    settings.validate()
    app = Flask("igp", template_folder=str(PROJECT_ROOT / "templates"), static_folder="static",
                instance_path=settings.INSTANCE_PATH)
    app.url_map.converters["int"] = IdConverter  # ids beyond 32 bits are not found, never a crash
    _configure(app, settings)
    app.extensions["igp_clock"] = clock if clock is not None else clock_module.SystemClock()
    app.extensions["igp_crypto"] = Keyring(settings.ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY)
    app.extensions["igp_audit_witness"] = Witness(settings.AUDIT_CHAIN_KEY.encode(), path=settings.AUDIT_WITNESS,
                                                  syslog_facility=settings.AUDIT_WITNESS_SYSLOG)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    limiter.init_app(app)  # before CSRF: a flood is refused before any other work
    csrf.init_app(app)
    login_manager.init_app(app)
    install_session_hooks()
    register_web(app)
    if app.config.get("GUARD_TEMPLATES"):
        guard.install(app, db)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    register_cli(app)
    _sqlite_pragmas(app)
    return app


SESSION_HOOKS = (*audit.SESSION_HOOKS, *mail.SESSION_HOOKS, *request_cache.SESSION_HOOKS,
                 *rollup.SESSION_HOOKS, *process_cache.SESSION_HOOKS)


def install_session_hooks() -> None:
    """The audit chain is written with each commit, mail goes out after it (idempotent; tests may
    take them out with remove_session_hooks)."""
    for name, hook in SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def remove_session_hooks() -> None:
    for name, hook in SESSION_HOOKS:
        if event.contains(Session, name, hook):
            event.remove(Session, name, hook)


def _configure(app: Flask, settings) -> None:
    app.config.from_mapping(settings.as_dict())
    app.config["IGP_ENV"] = settings.ENV_NAME
    app.config["RATELIMIT_STORAGE_URI"] = settings.RATELIMIT_STORAGE_URI
    app.config["RATELIMIT_HEADERS_ENABLED"] = False
    # a shared store that is down: each worker counts on its own for a while (a limit still holds,
    # the per-username back-off in the database as well) rather than every sign-in failing
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////:memory"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool, "connect_args": {"check_same_thread": False}, "hide_parameters": True,
        }
    if settings.TRUSTED_PROXIES:
        n = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def _sqlite_pragmas(app):
    """SQLite for its purpose (one team trying the system, a few people at once):

    * WAL: readers never block the writer and the writer never blocks readers;
    * a busy timeout: a request waits for the write lock instead of failing at once;
    * BEGIN IMMEDIATE: every transaction takes the write lock when it starts. In this app a
      request that reads family data also writes its access-log entry, so nearly every request
      writes; a deferred transaction that read first and then wants to write fails at once
      (SQLITE_BUSY, no waiting) when another connection committed in between. Taking the lock
      up front turns that failure into a short wait. PostgreSQL does not need any of this."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine = db.engine
    busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN
        # itself (the recipe in SQLAlchemy's SQLite dialect documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")  # persistent; an in-memory database answers 'memory'
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
