"""Route access rules, declared on every view and enforced in one place.

Each view function carries a rule set by one of the decorators below. `enforce()` runs
before every request: it refuses an endpoint without a rule (fail closed), requires a
signed-in user unless the rule is public, and checks roles. Object-level checks (may this
user see this family?) happen in the services, through the family gateway.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, request
from flask_login import current_user


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: frozenset[str] = frozenset()   # empty: any signed-in user
    pending_second_factor: bool = False   # reachable between password and second factor

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.pending_second_factor:
            return "password checked, second factor pending"
        return "roles: " + ",".join(sorted(self.roles)) if self.roles else "signed in"


def _mark(rule: Rule):
    def decorator(view):
        view._igp_access = rule

        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper._igp_access = rule
        return wrapper

    return decorator


def public(view):
    """Reachable without signing in (login page, static files, health check)."""
    return _mark(Rule(public=True))(view)


def pending_second_factor(view):
    return _mark(Rule(pending_second_factor=True))(view)


def signed_in(view):
    """Any signed-in user; the service decides what they may see."""
    return _mark(Rule())(view)


def roles(*names: str):
    """Signed-in users with at least one of these roles."""
    if not names:
        raise ValueError("roles() needs at least one role")
    return _mark(Rule(roles=frozenset(names)))


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Rule(public=True)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_igp_access", None)


# blueprint name -> a function that shows a refused form again (what was typed kept) instead of the
# bare "Geen toegang" page; it returns None when it cannot (then the bare page is shown)
_REFUSED_FORM_PAGES: dict = {}


def refused_form_page(blueprint: str):
    """Register the page a POST of `blueprint` refused for the user's role is shown on."""
    def register(func):
        _REFUSED_FORM_PAGES[blueprint] = func
        return func
    return register


def refused_form_page_for(endpoint: str | None):
    """The registered page for a refused POST to `endpoint`, or None."""
    if request.method != "POST" or not endpoint or "." not in endpoint:
        return None
    return _REFUSED_FORM_PAGES.get(endpoint.split(".", 1)[0])


class AccessRefused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check(endpoint: str | None) -> None:
    """Raise AccessRefused when the current user may not call this endpoint."""
    if endpoint is None:
        return  # unknown URL: the router answers 404
    rule = rule_for(endpoint)
    if rule is None:
        raise AccessRefused(403, "endpoint without access rule")
    if rule.public or rule.pending_second_factor:
        return
    if not current_user.is_authenticated:
        raise AccessRefused(401, "not signed in")
    if rule.roles and not current_user.roles & rule.roles:
        raise AccessRefused(403, "role")


def is_fhir_request() -> bool:
    """The FHIR endpoint (/fhir and below): bearer tokens, OperationOutcome errors."""
    return request.path == "/fhir" or request.path.startswith("/fhir/")


def is_api_request() -> bool:
    """A machine door (the JSON API or the FHIR endpoint): bearer token only, never the session
    cookie, and errors in the door's own shape instead of HTML pages or redirects."""
    return request.path.startswith("/api/") or is_fhir_request()
