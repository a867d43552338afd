"""Every route declares its access rule; anonymous users get nothing but public pages."""
from __future__ import annotations

import re

from igp.auth.access import rule_for

PUBLIC_ENDPOINTS = {"static", "auth.login", "main.health", "api.issue_token", "api.openapi",
                    "mdo.feed", "main.favicon", "fhir.metadata"}  # feed: secret token; favicon: a redirect to a static file
PENDING_ENDPOINTS = {"auth.second_factor", "auth.enrol"}


def _sample_path(rule) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", "1", rule.rule)


def test_every_endpoint_has_an_access_rule(app):
    missing = [r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def test_only_the_expected_endpoints_are_public(app):
    public = {r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint).public}
    assert public == PUBLIC_ENDPOINTS
    pending = {r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint).pending_second_factor}
    assert pending == PENDING_ENDPOINTS


def test_anonymous_requests_are_refused_everywhere(client, app):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS | PENDING_ENDPOINTS:
            continue
        path = _sample_path(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            checked += 1
            if path.startswith(("/api/", "/fhir/")) or path == "/fhir":
                assert response.status_code == 401 and response.is_json, (method, path)
            else:
                assert response.status_code in (302, 400), (method, path, response.status_code)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"]
    assert checked > 5


def test_a_route_without_rule_is_refused(app, client, make_user, login):
    # routes are registered at create_app; simulate a forgotten decorator on an existing one
    view = app.view_functions["main.home"]
    del view._igp_access
    try:
        login_user = make_user("jeugdverpleegkundige")
        login(login_user)
        assert client.get("/").status_code == 403
    finally:
        from igp.auth.access import Rule

        view._igp_access = Rule()
