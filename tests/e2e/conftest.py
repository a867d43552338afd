"""Browser tests: the app served on a free localhost port, driven by Debian's Chromium through
Playwright, with axe-core checking every page the journeys visit.

* One app per run of this folder, on a fresh SQLite file in a temporary directory, with the
  real clock, CSRF on, the second factor required and the fictional demo IGP loaded. Every
  demo user gets a TOTP secret; codes are computed with pyotp when a test signs in.
* Each user signs in once (password, then TOTP code) through the real pages, in a browser
  context of their own; later tests reuse that signed-in context, so a TOTP code is never
  needed twice in one 30-second step.
* `Session.goto()`, `Session.submit()` and `Session.follow()` run axe-core on the page they
  land on and fail the test on a 'serious' or 'critical' violation; a test also fails when a
  page was loaded that was not checked, when the page logged a CSP violation or a script error.
  The counts per page are written to test-artifacts/e2e/axe-report.json and summarised after
  the run; screenshots of the key pages go to test-artifacts/e2e/*.png.
* Skipped (only) when /usr/bin/chromium is missing: run .ci/install-e2e.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from e2e_support import (
    AXE_JS,
    AXE_RESULTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    IMPACTS,
    PROJECT_ROOT,
    E2EApp,
    Session,
    require_chromium,
    sign_in,
    write_axe_report,
)

from tests.serving import threaded_server

# ------------------------------------------------------------------ the app on a real port

@pytest.fixture(scope="package")
def e2e_app(tmp_path_factory):
    require_chromium()
    import flask_migrate
    import pyotp

    import igp
    from config import Testing
    from igp import clock, demo
    from igp.extensions import db

    folder = tmp_path_factory.mktemp("e2e")
    database = folder / "e2e.db"
    with closing(sqlite3.connect(database)) as connection:  # readers and the writer side by side
        connection.execute("PRAGMA journal_mode=WAL")
    app = igp.create_app(Testing(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", INSTANCE_PATH=str(folder),
        WTF_CSRF_ENABLED=True, REQUIRE_TOTP=True, FAST_PASSWORD_HASHING=True,
        LOGIN_RATE_LIMIT="1000 per minute",  # every browser signs in from 127.0.0.1
    ), clock=clock.SystemClock())
    secrets = {}
    with app.app_context():
        flask_migrate.upgrade()
        for user in demo.load_demo():
            user.totp_secret = pyotp.random_base32()
            user.totp_enrolled_at = clock.now()
            secrets[user.username] = user.totp_secret
        db.session.commit()

    try:
        with threaded_server(app) as port:
            yield E2EApp(app, f"http://127.0.0.1:{port}", secrets)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# ------------------------------------------------------------------ the browser

@pytest.fixture(scope="package")
def browser():
    require_chromium()
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS.relative_to(PROJECT_ROOT)}): run .ci/install-e2e")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="package")
def _sessions(e2e_app, browser):
    sessions: dict[str, Session] = {}
    yield sessions
    for session in sessions.values():
        session.context.close()


@pytest.fixture
def as_user(e2e_app, browser, _sessions):
    """as_user('jvk.smit') -> that user's signed-in Session (signing in on first use)."""
    used: list[Session] = []

    def get(username: str) -> Session:
        session = _sessions.get(username)
        if session is None:
            context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam",
                                          viewport={"width": 1280, "height": 900})
            context.set_default_timeout(10_000)
            session = Session(e2e_app, context, username)
            _sessions[username] = session
            used.append(session)
            sign_in(session)
        elif session not in used:
            used.append(session)
        return session

    yield get
    for session in used:
        session.verify_clean()


@pytest.fixture
def lookup(e2e_app):
    """lookup(func, *args): run func in an app context on the e2e database and end its
    transaction at once (an open SQLite read would block the server's commits). For finding
    what a test needs to know (ids, dates); return plain values, not database objects."""

    def run(func, *args, **kwargs):
        from igp.extensions import db

        with e2e_app.app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return run


# ------------------------------------------------------------------ report

def pytest_terminal_summary(terminalreporter):
    path = write_axe_report()
    if path is None:
        return
    terminalreporter.section("axe-core (violations by impact per page)")
    for key in sorted(AXE_RESULTS):
        e = AXE_RESULTS[key]
        counts = " ".join(f"{i}={e[i]}" for i in IMPACTS)
        rules = f" [{', '.join(sorted(e['rules']))}]" if e["rules"] else ""
        terminalreporter.write_line(f"axe {counts} {key}{rules}")
    checks = sum(e["visits"] for e in AXE_RESULTS.values())
    phone = sum(e["visits"] for key, e in AXE_RESULTS.items() if key.endswith(" px"))
    terminalreporter.write_line(f"axe page checks: {checks} ({checks - phone} at 1280 px, {phone} at 390 px)")
    terminalreporter.write_line(f"axe report: {path.relative_to(PROJECT_ROOT)}")


