"""Shared fixtures.

* The test database (SQLite file, or PostgreSQL from IGP_TEST_DATABASE_URL) is emptied and
  built ONCE per run with `alembic upgrade head`, exactly as a deployment builds it.
* Every test gets its own app (with a FixedClock) whose engine is replaced by one
  connection inside a transaction; the app's commits become savepoints and the whole
  transaction is rolled back after the test (SQLAlchemy 2.0's "join an external
  transaction" recipe). Tests therefore see real commits and never leak data.
* Factories return functions: make_org(...), make_user(...).
"""
from __future__ import annotations

import contextvars
import os
import re
from datetime import datetime, timezone

import pyotp
import pytest
from flask.globals import _cv_app, _cv_request
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import Testing
from igp import create_app
from igp.clock import FixedClock

# A Tuesday morning in Amsterdam (09:00 UTC = 10:00 local, winter time).
DEFAULT_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery staple"


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("IGP_TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    """A PostgreSQL database of its own for each xdist worker (test_gw0, test_gw1, ...), created
    when missing (trust authentication, as in CI)."""
    base, _, name = url.rpartition("/")
    worker_url = f"{base}/{name}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"{name}_{worker}"}).first():
            conn.execute(text(f'CREATE DATABASE "{name}_{worker}"'))
    engine.dispose()
    return worker_url


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The migrated test database (built once per test run)."""
    import flask_migrate

    url = _test_database_url(tmp_path_factory)
    _reset_database(url)
    app = create_app(Testing(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        flask_migrate.upgrade()
        from igp.extensions import db

        db.engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a real server does.

    The test itself holds an app context (for factories and assertions); without this, Flask
    would reuse it for the client's requests and `g` (the signed-in user, the CSRF token)
    would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            _cv_request.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


class ModuleDatabase:
    """One app, one connection and one outer transaction per test module: data that every test
    of the module needs (the network) is built once; each test runs in a savepoint on top that is
    rolled back, so tests still never see each other's writes."""

    def __init__(self, database_url: str):
        from igp.extensions import db

        self.clock = FixedClock(DEFAULT_NOW)
        self.app = create_app(Testing(SQLALCHEMY_DATABASE_URI=database_url), clock=self.clock)
        self.app.test_client_class = IsolatedClient
        with self.app.app_context():  # the app's engine is replaced by one connection (per app)
            self.engine = db.engines[None]
            self.connection = self.engine.connect()
            self.outer = self.connection.begin()
            db.engines[None] = self.connection
            db.session.configure(join_transaction_mode="create_savepoint")
        self.config = dict(self.app.config)
        self.extensions = dict(self.app.extensions)
        self.shared_data = False   # set when module-wide data (the network) lives in the outer transaction

    def suspend(self) -> None:
        """End the module's transaction while a test with its own app (own connection) runs, so
        that it is not blocked by this one's lock (SQLite takes it at BEGIN IMMEDIATE). Only without
        module-wide data."""
        if self.shared_data:
            raise RuntimeError("a test with its own settings (settings_overrides) cannot run in a module that "
                               "shares data (the network): move it to a module of its own")
        self.outer.rollback()

    def resume(self) -> None:
        with self.app.app_context():
            self.outer = self.connection.begin()

    def close(self) -> None:
        from igp.extensions import db

        with self.app.app_context():
            db.session.remove()
            if self.outer.is_active:
                self.outer.rollback()
            self.connection.close()
            db.engines[None] = self.engine
            self.engine.dispose()


@pytest.fixture(scope="module")
def module_database(database_url):
    database = ModuleDatabase(database_url)
    yield database
    database.close()


@pytest.fixture
def clock(module_database):
    module_database.clock.set(DEFAULT_NOW)
    return module_database.clock


@pytest.fixture
def settings_overrides():
    """Parametrize to give a test its own app with other settings (then it cannot share the
    module's data, e.g. the network)."""
    return {}


def _check_templates(application) -> None:
    violations = application.extensions.get("igp_guard_violations")
    assert not violations, "family data reached a template:\n" + "\n".join(violations)


@pytest.fixture
def app(database_url, module_database, clock, settings_overrides):
    from igp.extensions import db, limiter

    if settings_overrides:
        module_database.suspend()
        try:
            yield from _own_app(database_url, clock, settings_overrides)
        finally:
            module_database.resume()
        return
    application = module_database.app
    ctx = application.app_context()
    ctx.push()
    db.session.remove()  # no session savepoint may enclose the test's own
    savepoint = module_database.connection.begin_nested()
    limiter.reset()
    try:
        yield application
        _check_templates(application)
    finally:
        db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()
        db.session.configure(join_transaction_mode="create_savepoint")
        application.config.clear()
        application.config.update(module_database.config)
        application.extensions.clear()
        application.extensions.update(module_database.extensions)
        ctx.pop()


def _own_app(database_url, clock, settings_overrides):
    from igp.extensions import db, limiter

    application = create_app(Testing(SQLALCHEMY_DATABASE_URI=database_url, **settings_overrides), clock=clock)
    application.test_client_class = IsolatedClient
    ctx = application.app_context()
    ctx.push()
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.remove()
    db.session.configure(join_transaction_mode="create_savepoint")
    limiter.reset()
    try:
        yield application
        _check_templates(application)
    finally:
        db.session.remove()
        if outer.is_active:
            outer.rollback()
        connection.close()
        engines[None] = engine
        engine.dispose()
        ctx.pop()


@pytest.fixture
def db_session(app):
    from igp.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(app):
    from igp.auth.services import create_organisation
    from igp.extensions import db

    counter = {"n": 0}

    def factory(name: str | None = None, domain: str = "zorg"):
        counter["n"] += 1
        org = create_organisation(name or f"Organisatie {domain} {counter['n']}", domain)
        db.session.commit()
        return org

    return factory


@pytest.fixture
def make_user(app, make_org):
    from igp.auth.services import create_user
    from igp.extensions import db

    counter = {"n": 0}
    orgs: dict[str, object] = {}

    def factory(*roles: str, org=None, username: str | None = None, totp: bool = True, name: str | None = None,
                password: str = PASSWORD, **kwargs):
        counter["n"] += 1
        roles = roles or ("jeugdverpleegkundige",)
        if org is None:
            domain = "zorg" if roles[0] in ("gynaecoloog", "verloskundige", "kinderarts", "mmw") else \
                "sociaal" if roles[0] == "sociaal_werker" else \
                "informeel" if roles[0] == "informele_steun" else "jgz"
            if domain not in orgs:
                orgs[domain] = make_org(f"Standaard {domain}", domain)
            org = orgs[domain]
        user = create_user(username=username or f"user{counter['n']}", name=name or f"Gebruiker {counter['n']}",
                           organisation=org, roles=list(roles), password=password,
                           totp_secret=pyotp.random_base32() if totp else None, **kwargs)
        db.session.commit()
        return user

    return factory


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, path: str) -> str:
    """GET a page and return the CSRF token of its (first) form, as a browser would."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no csrf_token on {path} (status {response.status_code})"
    return match.group(1) or match.group(2)


def totp_code(user, clock) -> str:
    return pyotp.TOTP(user.totp_secret).at(clock.now())


@pytest.fixture
def login(client, clock):
    """Sign a user in through the real forms (password, then TOTP), with CSRF."""

    def do_login(user, password: str = PASSWORD, test_client=None):
        c = test_client or client
        token = csrf_token(c, "/login")
        response = c.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
        if user.totp_enrolled:
            assert response.status_code == 302 and "/login/code" in response.headers["Location"], response.status_code
            token = csrf_token(c, "/login/code")
            response = c.post("/login/code", data={"code": totp_code(user, clock), "csrf_token": token})
            clock.advance(seconds=30)  # the next sign-in needs a fresh time step
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do_login


@pytest.fixture
def api_token(client, clock):
    """Get a bearer token through POST /api/v1/auth/token."""

    def get(user, password: str = PASSWORD) -> str:
        body = {"username": user.username, "password": password}
        if user.totp_enrolled:
            body["otp"] = totp_code(user, clock)
            clock.advance(seconds=30)
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    return get


@pytest.fixture
def api(client, api_token):
    """api(user) -> a small client that sends the user's bearer token."""

    class Api:
        def __init__(self, token):
            self.headers = {"Authorization": f"Bearer {token}"}

        def get(self, path, **kw):
            return client.get(path, headers=self.headers, **kw)

        def post(self, path, json=None, **kw):
            return client.post(path, json=json, headers=self.headers, **kw)

        def put(self, path, json=None, **kw):
            return client.put(path, json=json, headers=self.headers, **kw)

        def patch(self, path, json=None, **kw):
            return client.patch(path, json=json, headers=self.headers, **kw)

        def delete(self, path, **kw):
            return client.delete(path, headers=self.headers, **kw)

    return lambda user: Api(api_token(user))


# ------------------------------------------------------------------ an IGP network for case tests

class Network:
    """Organisations of each domain, poli's and a user per role, created through the services,
    once per test module. Attributes are looked up in the test's own session (network.gyn is the
    User row as the test sees it), so each test may change them: its savepoint is rolled back."""

    ORGS = {"hospital": ("Ziekenhuis Test", "zorg"), "jgz": ("JGZ Test", "jgz"),
            "wijkteam": ("Wijkteam Test", "sociaal"), "homestart": ("Home-Start Test", "informeel"),
            "other_hospital": ("Ander Ziekenhuis", "zorg")}
    # attribute: roles, organisation, username, name, kwargs
    USERS = {
        "gyn": (("gynaecoloog",), "hospital", "gyn", "Dr. Gyn", {}),
        "mmw": (("mmw",), "hospital", "mmw", "MMW Medewerker", {}),
        "jvk": (("jeugdverpleegkundige",), "jgz", "jvk1", "JVK Een", {}),
        "jvk2": (("jeugdverpleegkundige",), "jgz", "jvk2", "JVK Twee", {}),
        "sw": (("sociaal_werker",), "wijkteam", "sw", "Sociaal Werker", {}),
        "planner": (("planner",), "jgz", "planner", "Planner", {}),
        "vrijwilliger": (("informele_steun",), "homestart", "vrijw", "Vrijwilliger", {}),
        "chair": (("mdo_voorzitter", "kinderarts"), "hospital", "chair", "Voorzitter", {}),
        "pl": (("projectleider",), "jgz", "pl", "Projectleider", {"totp": False}),
        "po": (("privacy_officer",), "hospital", "po", "Privacy Officer", {}),
        "admin": (("beheerder",), "jgz", "admin", "Beheerder", {}),
        "outsider": (("gynaecoloog",), "other_hospital", "outsider", "Buitenstaander", {}),
    }
    POP_KERNTEAM = ("gyn", "mmw", "jvk", "jvk2", "sw", "planner", "chair")

    def __init__(self):
        import pyotp as _pyotp

        from igp.admin.services import add_poli_team_member, create_poli
        from igp.auth.services import create_organisation, create_user
        from igp.extensions import db

        ids = {}
        for key, (name, domain) in self.ORGS.items():
            ids[key] = ("org", create_organisation(name, domain).id)
        ids["pop"] = ("poli", create_poli("pop", "POP-poli").id)
        ids["mamaplus"] = ("poli", create_poli("mamaplus", "MamaPlusPoli").id)
        db.session.commit()
        orgs = {key: db.session.get(_models()["org"], ref[1]) for key, ref in ids.items() if ref[0] == "org"}
        for key, (roles, org, username, name, kwargs) in self.USERS.items():
            totp = kwargs.get("totp", True)
            user = create_user(username=username, name=name, organisation=orgs[org], roles=list(roles),
                               password=PASSWORD, totp_secret=_pyotp.random_base32() if totp else None)
            ids[key] = ("user", user.id)
        db.session.commit()
        for key in self.POP_KERNTEAM:  # kept by the planner: their MDO attendance counts as involvement
            add_poli_team_member(db.session.get(_models()["user"], ids["planner"][1]), "pop", ids[key][1])
        db.session.commit()
        object.__setattr__(self, "_ids", ids)

    def __getattr__(self, name):
        from igp.extensions import db

        try:
            kind, row_id = self._ids[name]
        except KeyError:
            raise AttributeError(name) from None
        return db.session.get(_models()[kind], row_id)


def _models():
    from igp.admin.models import Poli
    from igp.auth.models import Organisation, User

    return {"org": Organisation, "user": User, "poli": Poli}


@pytest.fixture(scope="module")
def _module_network(module_database):
    from igp.extensions import db

    with module_database.app.app_context():
        network = Network()
        db.session.remove()
    module_database.shared_data = True
    return network


@pytest.fixture
def network(_module_network, module_database, app):
    if app is not module_database.app:
        raise RuntimeError("a test with its own settings (settings_overrides) cannot use the module's network")
    return _module_network


def family_data(**overrides) -> dict:
    """A valid aanmelding (prenatal, POP-poli) in the API's JSON shape."""
    data = {
        "poli": "pop", "phase": "prenatal", "referred_at": "2026-11-23T10:00:00+01:00",
        "referrer": {"type": "verloskundige", "name": "Verloskundige Vos", "organisation": "Praktijk De Wieg"},
        "reason": "Geldzorgen en eerdere depressie",
        "vulnerabilities": ["financien", "psychisch"], "medical_reasons": ["psychiatrie"], "high_risk": False,
        "parents": [{"name": "Canary Moedernaam", "birth_date": "1995-03-14", "bsn": "111222333",
                     "phone": "06-12345678", "address": "Canarystraat 12", "postcode": "1234 AB",
                     "city": "Canarystad"}],
        "expected_due_date": "2027-02-10",
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(app):
    """register(user, **overrides) -> Family, through the aanmelding service, committed."""
    from igp.extensions import db
    from igp.families.services import aanmelden

    count = {"n": 0}

    def do(user, **overrides):
        count["n"] += 1
        if count["n"] > 1 and "parents" not in overrides:  # later families get their own parent
            overrides["parents"] = [{"name": f"Ouder {count['n']}", "birth_date": f"1990-01-{count['n']:02d}"}]
        result = aanmelden(user, family_data(**overrides))
        db.session.commit()
        return result.family

    return do


# ------------------------------------------------------------------ the FHIR tests' count (issue 22)

def pytest_sessionfinish(session):
    from tests.fhir.counting import COUNTS

    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand the counts to the controller
        session.config.workeroutput["fhir_counts"] = dict(COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    from tests.fhir.counting import COUNTS

    COUNTS.update(getattr(node, "workeroutput", {}).get("fhir_counts") or {})


def pytest_terminal_summary(terminalreporter):
    from tests.fhir.counting import COUNTS, summary

    line = summary(COUNTS)
    if line:
        terminalreporter.write_line(line)
