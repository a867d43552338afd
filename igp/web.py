"""Request handling shared by every page and API call.

* one transaction per request: services flush, the response commits once (after the page
  or JSON is rendered but before it leaves); a failed commit replaces the response with an
  error, so data whose read could not be logged is never sent (fail closed);
* access rules enforced before every request (igp.auth.access);
* idle timeout and session versions;
* security headers; JSON errors for the API, Dutch pages for the UI;
* template filters: dates as dd-mm-yyyy, times in Europe/Amsterdam.
"""
from __future__ import annotations

import logging
from datetime import date, datetime

from flask import (
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError, StatementError
from werkzeug.exceptions import HTTPException

from consent import CATEGORY_LABELS, DOMAIN_LABELS, ROLE_LABELS
from igp import clock
from igp.audit import services as audit
from igp.auth import access
from igp.auth.models import User
from igp.auth.services import resolve_token
from igp.crypto import UnstorableText
from igp.errors import ServiceError, ValidationError
from igp.extensions import db, limiter, login_manager
from igp.families.rules import age_text
from igp.fhir import outcome as fhir_outcome
from igp.main import navigation
from igp.schema import schema_state

log = logging.getLogger("igp.web")

WEEKDAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAYS_NL_LONG = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


# ------------------------------------------------------------------ filters

def format_number(value) -> str:
    """Numbers the Dutch way: 66,7 and 1.234 (a decimal comma, a thousands dot); other values
    (text such as "<5") as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = clock.local(value).date()
    return value.strftime("%d-%m-%Y")


def format_datetime(value) -> str:
    if value is None:
        return ""
    return clock.local(value).strftime("%d-%m-%Y %H:%M")


def format_time(value) -> str:
    if value is None:
        return ""
    return clock.local(value).strftime("%H:%M")


def format_weekday_date(value) -> str:
    """'do 30-04-2026'"""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value).date()
    return f"{WEEKDAYS_NL[value.weekday()]} {format_date(value)}"


def format_long_date(value: date) -> str:
    """'donderdag 30 april 2026' (for screen readers and print)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value).date()
    return f"{WEEKDAYS_NL_LONG[value.weekday()]} {value.day} {MONTHS_NL[value.month - 1]} {value.year}"


# ------------------------------------------------------------------ registration

class StrictJSONProvider(DefaultJSONProvider):
    """JSON without the non-standard NaN and Infinity (Python's json accepts them): a body with
    one is not valid JSON, so it is refused like any other malformed body, not a crash later."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        return super().loads(s, **kwargs)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def person_options(people, selected=None, *, with_roles: bool = False, with_organisation: bool = True) -> Markup:
    """The <option>s of a pick list of people (auth.services.people()), built once in Python: a
    region's hundreds of users in several lists of one page cost hundreds of template macro calls
    each otherwise. "Name (roles, organisation)"; ``selected``: the id typed before (kept after a
    refused form)."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for person in people:
        details = [ROLE_LABELS.get(r, r) for r in sorted(person.roles)] if with_roles else []
        details += [person.organisation_name] if with_organisation else []
        label = f"{person.name} ({', '.join(details)})" if details else person.name
        mark = " selected" if str(person.id) == chosen else ""
        parts.append(f'<option value="{int(person.id)}"{mark}>{escape(label)}</option>')
    return Markup("".join(parts))  # the only text in it, the label, is escaped


def csrf_input() -> Markup:
    """The hidden CSRF field of a plain HTML form (``{{ csrf() }}``); a function, not a macro: a
    family page has some twenty forms."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def register_web(app) -> None:
    """The web layer of the app: JSON, template filters, sign-in, request hooks and error pages."""
    app.json = StrictJSONProvider(app)
    app.jinja_env.filters.update(
        date_nl=format_date, datetime_nl=format_datetime, time_nl=format_time,
        weekday_date_nl=format_weekday_date, long_date_nl=format_long_date, number_nl=format_number,
        age_nl=lambda born: age_text(born, clock.today()),
    )
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS, DOMAIN_LABELS=DOMAIN_LABELS, CATEGORY_LABELS=CATEGORY_LABELS,
        person_options=person_options, csrf=csrf_input,
    )
    app.jinja_env.autoescape = True
    app.context_processor(_layout)
    _register_sign_in()
    if app.config.get("QUERY_COUNT_HEADER"):
        _count_queries(app)
    if app.config.get("BENCH_ROUTES"):
        app.add_url_rule("/bench/ping", "bench_ping", _bench_ping)
    for hook in (_check_url_length, _check_schema, _idle_timeout, _enforce_access, _reject_nul_characters):
        app.before_request(hook)
    app.after_request(_commit_and_secure)
    _register_error_pages(app)


def _register_sign_in() -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Meld u aan om verder te gaan."
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)
    login_manager.unauthorized_handler(_unauthorized)


def _register_error_pages(app) -> None:
    app.register_error_handler(access.AccessRefused, _refused)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    for refused in REFUSED_VALUE_ERRORS:
        app.register_error_handler(refused, _value_refused)
    app.register_error_handler(StatementError, _statement_error)
    app.register_error_handler(OperationalError, _db_down)
    app.register_error_handler(Exception, _unexpected)


def _load_user(user_id: str):
    if access.is_api_request():
        return None  # the API authenticates by bearer token only (no cookie, no CSRF risk)

    try:
        raw_id, version = user_id.split(":")
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


def _load_user_from_token(req):
    if not access.is_api_request():
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None

    user, reason = resolve_token(header.removeprefix("Bearer ").strip())
    if user is None:
        g.token_problem = reason
    return user


def _unauthorized():
    if access.is_api_request():
        return api_error(401, "unauthorized", "Niet aangemeld of token ongeldig.")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _refused(exc: access.AccessRefused):
    db.session.rollback()
    if exc.status == 401:
        if access.is_api_request():
            problem = g.get("token_problem")
            if problem:  # written by _commit_and_secure, like every refusal
                audit.record("token_refused", outcome="denied", detail=f"{request.endpoint}: {problem}")
            return api_error(401, "unauthorized", "Niet aangemeld of token ongeldig of verlopen.")
        if session.get("expired_notice"):
            session.pop("expired_notice")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    # no commit here: an error in an error handler would be Werkzeug's bare 500 page, and
    # the entry lost; _commit_and_secure writes it, handling a failure
    audit.record("refused", outcome="denied", object_type="route", object_id=request.endpoint,
                 detail=exc.reason)
    form_page = access.refused_form_page_for(request.endpoint)
    shown = form_page() if form_page is not None else None   # the form again, what was typed kept
    if shown is not None:
        return shown
    return error_response(403, "forbidden", "U hebt geen toegang tot deze pagina.")


def _service_error(exc: ServiceError):
    db.session.rollback()
    if exc.audit:
        audit.record(**exc.audit)
    elif exc.status in (403, 404):
        audit.record("refused", outcome="denied", object_type="route", object_id=request.endpoint,
                     detail=f"{exc.code}: {request.method} {request.path}"[:300])
    if access.is_api_request():
        fields = getattr(exc, "errors", None)
        return api_error(exc.status, exc.code, exc.message, field=exc.field, fields=fields)
    return error_response(exc.status, exc.code, exc.message)


def _csrf(exc):
    db.session.rollback()
    return error_response(400, "csrf", "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens.")


def _http(exc: HTTPException):
    db.session.rollback()
    code = exc.code or 500
    message = HTTP_MESSAGES.get(code, exc.description or "Er ging iets mis.")
    if code == 405 and getattr(exc, "valid_methods", None):
        message += " Toegestaan: " + ", ".join(sorted(exc.valid_methods)) + "."
    response = current_app.make_response(error_response(code, (exc.name or "error").lower().replace(" ", "_"),
                                                        message))
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if code == 429:
        response.headers["Retry-After"] = str(_retry_after_seconds())
    return response


def _value_refused(exc):
    _rollback_quietly()
    return _value_refused_response(exc)


def _statement_error(exc: StatementError):
    """A bind value that could not even be sent (a lone surrogate in a text that the
    database driver encodes): bad input, 422. Anything else stays an internal error."""
    return _value_refused(exc) if _is_refused_value(exc) else _unexpected(exc)


def _db_down(exc):
    log.error("database unavailable: %s", type(exc).__name__)
    _rollback_quietly()
    return error_response(503, "database_unavailable",
                          "De database is tijdelijk niet bereikbaar. Probeer het over enkele minuten opnieuw.")


def _layout():
    return {"nav_items": navigation(), "igp_name": current_app.config["IGP_NAME"],
            "dev_mode": current_app.config["IGP_ENV"] == "development",
            "totp_relaxed": not current_app.config["REQUIRE_TOTP"]}


HTTP_MESSAGES = {
    400: "Het verzoek is ongeldig.",
    404: "Deze pagina of dit gegeven bestaat niet.",
    405: "Deze methode is hier niet toegestaan.",
    406: "Dit antwoordformaat wordt niet ondersteund.",
    409: "Dit gegeven is intussen gewijzigd of bestaat al.",
    412: "De versie in If-Match klopt niet (meer): haal het gegeven opnieuw op.",
    413: "Het verzoek is te groot.",
    414: "Het adres (URL) is te lang.",
    415: "Dit formaat van de body wordt niet ondersteund.",
    429: "Te veel verzoeken. Wacht even en probeer het opnieuw.",
}


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass


def _unexpected(exc):
    log.exception("unhandled error on %s %s", request.method, request.endpoint)
    _rollback_quietly()
    return error_response(500, "internal_error", "Er ging iets mis. De fout is vastgelegd; probeer het later opnieuw.")


def _retry_after_seconds() -> int:
    """Seconds until the limit that was hit lets a request through again (at least 1)."""
    import math
    import time


    try:
        limit = limiter.current_limit
        reset_at = limit.reset_at if limit is not None else None
    except Exception:  # the store is unreachable: a conservative minute
        reset_at = None
    if reset_at is None:
        return 60
    return max(1, math.ceil(reset_at - time.time()))


# A value the database (or its driver) cannot hold: PostgreSQL refuses it (DataError), SQLite's
# driver cannot bind a number beyond 64 bits (OverflowError, raised as is), or a text has no UTF-8
# form. The user's input, not a fault: a 422, not a 500.
REFUSED_VALUE_ERRORS = (DataError, OverflowError, UnstorableText)


def _is_refused_value(exc: Exception) -> bool:
    if isinstance(exc, REFUSED_VALUE_ERRORS):
        return True
    return isinstance(exc, StatementError) and isinstance(exc.orig, (*REFUSED_VALUE_ERRORS, UnicodeError))


# ------------------------------------------------------------------ benchmarking aids

# execution option of the statements that refresh a per-process cache (igp.admin.services.get_setting)
CACHE_REFRESH = "igp_cache_refresh"


def _count_queries(app) -> None:
    """Count SQL statements per request (X-IGP-Queries), for the benchmark and the test that the
    number of queries of a page does not grow with the data."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        from flask import has_request_context

        if not has_request_context():
            return
        if context is not None and context.execution_options.get(CACHE_REFRESH):
            # a per-process cache refreshed (the settings, every few seconds): counted apart, so a
            # page's count is the same on every request
            g.igp_cache_refreshes = g.get("igp_cache_refreshes", 0) + 1
        else:
            g.igp_queries = g.get("igp_queries", 0) + 1


@access.public
def _bench_ping():
    return "ok"


# ------------------------------------------------------------------ helpers

def api_error(status: int, code: str, message: str, *, field: str | None = None, fields: dict | None = None):
    if access.is_fhir_request():  # the FHIR endpoint answers every error as an OperationOutcome
        return fhir_outcome.error_response(status, message, field=field, fields=fields)
    body = {"error": {"code": code, "message": message}}
    if field and field != "_":
        body["error"]["field"] = field
    if fields and (len(fields) > 1 or field not in (None, "_")):
        body["error"]["fields"] = {k: v for k, v in fields.items() if k != "_"}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="igp"'
    return response


def _value_refused_response(exc: Exception):
    """A value the validation let through but the database cannot hold (a number out of the
    column's range, a character PostgreSQL refuses): the user's input, not a fault, so a 422 and
    not a 500. Logged without the parameters (hide_parameters), so without personal data."""
    log.warning("database refused a value on %s %s: %s", request.method, request.endpoint,
                type(getattr(exc, "orig", exc)).__name__)
    return error_response(422, "invalid_value",
                          "Een ingevulde waarde is ongeldig of te groot. Controleer de invoer en probeer het opnieuw.")


def error_response(status: int, code: str, message: str):
    if access.is_api_request():
        return api_error(status, code, message)
    return render_template("errors/error.html", status=status, message=message), status


def _check_url_length():
    """A URL longer than MAX_URL_LENGTH is a 414 in the error shape of its door (JSON on the API).
    gunicorn's own line limit (config/gunicorn.py) is set above this one, so its bare answer is
    only reached by lines no browser or client of this app sends."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(raw) > current_app.config["MAX_URL_LENGTH"]:
        return error_response(414, "uri_too_long", HTTP_MESSAGES[414])
    return None


def _check_schema():
    if current_app.extensions.get("igp_schema_ok"):
        return None
    if request.endpoint == "static":
        return None

    state = schema_state()
    if state == "current":
        current_app.extensions["igp_schema_ok"] = True
        return None
    message = ("De database is niet bijgewerkt. Voer 'flask --app igp db upgrade' uit en start de toepassing opnieuw."
               if state == "behind" else
               "De database is nieuwer dan deze versie van de toepassing. Werk de toepassing bij.")
    return error_response(503, "schema_" + state, message)


def _bad_character(text: str) -> str | None:
    """What is wrong with a text no database can store: a NUL character (PostgreSQL refuses
    it, no user types it) or a character without a UTF-8 form (a lone surrogate such as the
    JSON escape "\\ud800"). None when the text is fine."""
    if "\x00" in text:
        return "NUL"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "losse surrogaat"
    return None


def _bad_field(value, path: str = "") -> tuple[str, str] | None:
    """(field, problem) for the first field whose text holds a bad character, or None. A bad
    character in a key names the enclosing field."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = _bad_character(item)
            if problem:
                return where or "_", problem
        elif isinstance(item, dict):
            problem = next((p for p in (_bad_character(str(key)) for key in item) if p), None)
            if problem:
                return where or "_", problem
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))
    return None


def _reject_nul_characters():
    """Refuse input with a NUL character or a lone surrogate in a query parameter, form field
    or JSON value with a clear error naming the field, instead of a database error."""
    fields = list(request.args.lists())
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        fields += list(request.form.lists())
    found = None
    for name, values in fields:
        problem = _bad_character(name) or next(filter(None, map(_bad_character, values)), None)
        if problem:
            found = ("_" if _bad_character(name) or not name else name, problem)
            break
    if found is None and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json:
        found = _bad_field(request.get_json(silent=True))
    if found is not None:
        field, problem = found
        where = "De invoer" if field == "_" else f"Het veld '{field}'"
        raise ValidationError({field: f"{where} bevat een ongeldig teken ({problem}); verwijder het en probeer "
                                      "het opnieuw."})


def _idle_timeout():
    """End a session after IDLE_TIMEOUT without a request, and in any case SESSION_LIFETIME after
    the sign-in (the cookie is renewed on every request, so its own expiry is no absolute limit;
    the moment of signing in travels signed in the session)."""
    if access.is_api_request() or not current_user.is_authenticated:
        return None
    now = clock.now().timestamp()
    last = session.get("last_seen")
    signed_in_at = session.get("signed_in_at")
    if signed_in_at is None or now - signed_in_at > current_app.config["SESSION_LIFETIME"].total_seconds():
        hours = round(current_app.config["SESSION_LIFETIME"].total_seconds() / 3600)
        return _end_session("absolute lifetime",
                            f"Uw sessie is verlopen: na {hours} uur moet u zich opnieuw aanmelden.")
    if last is not None and now - last > current_app.config["IDLE_TIMEOUT"].total_seconds():
        return _end_session("idle", "Uw sessie is verlopen omdat u een tijd niet actief was. Meld u opnieuw aan.")
    session["last_seen"] = now
    return None


def _end_session(reason: str, message: str):
    user = current_user._get_current_object()
    audit.record("session_expired", user=user, detail=reason)
    db.session.commit()
    logout_user()
    session.clear()
    flash(message, "warning")
    return redirect(url_for("auth.login"))


def _enforce_access():
    access.check(request.endpoint)


def _commit_and_secure(response: Response) -> Response:
    if response.status_code < 400:
        try:
            db.session.commit()
        except (SQLAlchemyError, *REFUSED_VALUE_ERRORS) as exc:
            db.session.rollback()
            if _is_refused_value(exc):  # a value the database cannot hold, found only at commit
                response = current_app.make_response(_value_refused_response(exc))
            else:
                log.exception("commit failed; response withheld")
                response = current_app.make_response(error_response(
                    503, "commit_failed", "De wijziging of inzage kon niet worden vastgelegd. Probeer het opnieuw."))
    else:
        # nothing of this request is written, except its reads and refusals: a 4xx page may
        # still have shown family data, and every refusal is logged (NEN 7513)
        db.session.rollback()
        if not _commit_audit_entries():
            response = _audit_not_written()
    headers = response.headers
    if current_app.config.get("QUERY_COUNT_HEADER"):
        headers["X-IGP-Queries"] = str(g.get("igp_queries", 0))
        headers["X-IGP-Cache-Refreshes"] = str(g.get("igp_cache_refreshes", 0))
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _commit_audit_entries(attempts: int = 2) -> bool:
    """After a rollback: write this request's read and refusal entries on their own. A failed
    attempt (the database busy or gone) is retried once; False when they could not be written."""
    for attempt in range(attempts):
        if not audit.requeue_unwritten():
            return True
        try:
            db.session.commit()
            return True
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("audit commit failed (attempt %d): %s", attempt + 1, type(exc).__name__)
    log.error("the audit entries of %s %s could not be written; response withheld", request.method,
              request.endpoint)
    return False


def _audit_not_written() -> Response:
    return current_app.make_response(error_response(
        503, "commit_failed", "De inzage kon niet worden vastgelegd. Probeer het opnieuw."))


def sign_in_session(user) -> None:
    """Start a fresh session for this user (no fixation: the old session content is dropped)."""
    session.clear()
    login_user(user, remember=False, fresh=True)
    session["last_seen"] = session["signed_in_at"] = clock.now().timestamp()
    session.permanent = True
