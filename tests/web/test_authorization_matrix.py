"""The authorization matrix: every route and API endpoint x every role x relation to the family
(own organisation / other organisation with consent / without consent / uninvolved) x method,
generated from the app's URL map. A new route is covered automatically; a route without an
access rule fails test_access_rules.

Expected outcome per cell:
* the role is not allowed on the route            -> 403 (signed in) and never family data;
* family-scoped route, the user is not involved    -> 404 (the family does not exist for them);
* family-scoped route, involved                    -> served or refused by rule (200/201/204/302/
  400/403/409/413/422), never 401/404/5xx, and never a value the consent withholds;
* other routes, allowed role                       -> never 401/5xx.
The count of cells is printed (run with -s).
"""
from __future__ import annotations

import re

import pyotp
import pytest

from consent import ROLES
from igp.auth.access import rule_for
from igp.coordination.models import CoreTeamMember
from igp.coordination.services import add_core_member, record_absence
from igp.extensions import db
from igp.families.services import aanmelden, add_note
from igp.mdo import services as mdo
from tests.conftest import PASSWORD, csrf_token, family_data, totp_code

RELATIONS = ("own", "other_with_consent", "other_without_consent", "uninvolved")
# Routes that end the caller's session or change what every later cell sees; each has its own test.
SKIP = {"auth.logout": "ends the session (test_auth)", "api.revoke_token": "revokes the token (test_api_auth)",
        "admin.need_to_know": "POST would change every role's access (test_consent_gateway)"}
NEVER_INVOLVED = {"projectleider", "privacy_officer", "beheerder"}  # roles without any category
CANARY_WITHOUT_CONSENT = "Geheim Zonder Toestemming"
CANARY_BSN_NONE = "999999990"


@pytest.fixture
def world(network, make_user, make_org, clock):
    """Families A (hospital, kernteam consent), B (hospital, no consent), C (hospital, consent,
    nobody else involved); for every role a hospital user and a JGZ user in A's and B's core team."""
    hospital, jgz = network.hospital, network.jgz
    a = aanmelden(network.gyn, family_data(consent={"preset": "kernteam", "method": "schriftelijk"})).family
    b = aanmelden(network.gyn, family_data(parents=[{"name": CANARY_WITHOUT_CONSENT, "bsn": CANARY_BSN_NONE}])).family
    c = aanmelden(network.gyn, family_data(parents=[{"name": "Ouder C"}],
                                           consent={"preset": "kernteam", "method": "schriftelijk"})).family
    add_note(network.gyn, b.id, "consultverslagen", "Canary verslag B")
    users = {}
    for role in ROLES:
        users[("own", role)] = make_user(role, org=hospital, username=f"h_{role}")
        other = make_user(role, org=jgz, username=f"j_{role}")
        users[("other", role)] = other
        if role not in NEVER_INVOLVED:
            for family in (a, b):
                add_core_member(network.gyn, family.id, {"user_id": other.id, "case_role": role})
    dummy = make_user("planner", org=hospital, username="dummy_target")
    add_core_member(network.gyn, a.id, {"user_id": dummy.id, "case_role": "planner"})
    member = db.session.scalars(db.select(CoreTeamMember).where(CoreTeamMember.user_id == dummy.id)).one()
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    item = mdo.add_item(network.chair, meeting.id, {"family_id": a.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.gyn.id,
                                                                     "status": "uitgenodigd"}]})
    action = mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Bellen", "owner_id": network.gyn.id,
                                                      "due_workdays": 3}).action
    absence = record_absence(dummy, {"from": "2026-12-01", "to": "2026-12-02", "reason": "verlof"})
    from igp.coordination.services import propose_coordinator_change

    proposal = propose_coordinator_change(users[("other", "sociaal_werker")], a.id, {"user_id": network.jvk2.id}
                                          if a.coordinator_id != network.jvk2.id else {"user_id": network.jvk.id})
    db.session.commit()
    from igp.handover.services import current_handover
    from igp.sharing.services import consents_of

    params = {"meeting_id": meeting.id, "item_id": item.id, "action_id": action.id, "absence_id": absence.id,
              "consent_id": consents_of(a.id)[0].id, "member_id": member.id, "user_id": dummy.id,
              "handover_id": current_handover(a.id).id, "token": "not-a-token", "action": "tijd",
              "proposal_id": proposal.id, "decision": "afwijzen", "code": "pop", "candidate_id": 999999,
              "support_id": 999999, "resource_id": "x-1",
              "task_id": current_handover(a.id).id}
    return {"families": {"own": a, "other_with_consent": a, "other_without_consent": b, "uninvolved": c},
            "users": users, "params": params}


def _path(rule, params, family_id):
    def fill(match):
        name = match.group(1)
        if name == "family_id":
            return str(family_id)
        return str(params[name])
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", fill, rule.rule)


def _expected_involved(role, relation):
    if role in NEVER_INVOLVED:
        return False
    if relation == "uninvolved":
        return role == "planner"  # planners are part of every family's team (NAW only, under consent)
    return True


class Session:
    """A signed-in user with a browser session (CSRF token) and an API token."""

    def __init__(self, app, user, clock):
        self.client = app.test_client()
        self.user = user
        token = csrf_token(self.client, "/login")
        response = self.client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                    "csrf_token": token})
        if user.totp_enrolled:
            token = csrf_token(self.client, "/login/code")
            response = self.client.post("/login/code", data={"code": totp_code(user, clock), "csrf_token": token})
        assert response.status_code == 302, user.username
        self.csrf = csrf_token(self.client, "/account")
        clock.advance(seconds=30)  # a TOTP step is accepted once: the token needs the next one
        body = {"username": user.username, "password": PASSWORD}
        if user.totp_enrolled:
            body["otp"] = pyotp.TOTP(user.totp_secret).at(clock.now())
        self.token = self.client.post("/api/v1/auth/token", json=body).get_json()["token"]

    def request(self, method, path):
        if path.startswith(("/api/", "/fhir/")) or path == "/fhir":  # the machine doors take the bearer token only
            headers = {"Authorization": f"Bearer {self.token}"}
            if method in ("GET", "DELETE"):
                return self.client.open(path, method=method, headers=headers)
            return self.client.open(path, method=method, headers=headers, json={})
        if method == "GET":
            return self.client.get(path)
        return self.client.open(path, method=method, data={"csrf_token": self.csrf})


CHUNKS = 4  # the routes in four parts: the test processes share the matrix (each part builds its own world)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_authorization_matrix(app, world, clock, capsys, chunk):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # 26 sign-ins from one address
    sessions = {key: Session(app, user, clock) for key, user in world["users"].items()}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.endpoint not in SKIP]
    cells, failures = 0, []
    ordered = sorted(rules, key=lambda r: (r.rule, r.endpoint))
    for rule in (r for i, r in enumerate(ordered) if i % CHUNKS == chunk):
        access_rule = rule_for(rule.endpoint)
        if access_rule.public or access_rule.pending_second_factor:
            continue
        family_scoped = "<int:family_id>" in rule.rule
        # other routes: as a user of the registering organisation and as one of another organisation
        relations = RELATIONS if family_scoped else ("own", "other_without_consent")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                for relation in relations:
                    side = "own" if relation == "own" else "other"
                    session = sessions[(side, role)]
                    family = world["families"][relation]
                    path = _path(rule, world["params"], family.id)
                    response = session.request(method, path)
                    cells += 1
                    status = response.status_code
                    body = response.get_data()
                    problem = None
                    role_allowed = not access_rule.roles or role in access_rule.roles
                    if status >= 500 or status == 401:
                        problem = f"status {status}"
                    elif not role_allowed:
                        if status != 403:
                            problem = f"role not allowed but status {status}"
                    elif family_scoped and rule.endpoint not in ("families.access_log", "api.access_log",
                                                                 "families.parents_overview", "api.erase_family"):
                        if not _expected_involved(role, relation):
                            if status != 404:
                                problem = f"not involved but status {status}"
                        elif status == 404 and not (rule.rule.endswith("/scan")
                                                    or rule.endpoint == "families.remove_member"
                                                    or (rule.endpoint in ("families.decide_proposal",
                                                                          "families.withdraw_consent")
                                                        and family.id != world["families"]["own"].id)):
                            # (a scan that does not exist; a core-team row an earlier cell removed; the
                            # proposal and the consent belong to family A, so under another family's URL
                            # they do not exist)
                            problem = "involved but 404"
                    leaked = CANARY_WITHOUT_CONSENT.encode() in body or b"Canary verslag B" in body
                    overview = rule.endpoint == "families.parents_overview"  # the privacy officer's duty
                    if leaked and not overview and (side == "other" or role in NEVER_INVOLVED):
                        problem = (problem or "") + " withheld family data in the response"
                    if problem:
                        failures.append(f"{method} {path} as {role} ({relation}): {problem}")
    with capsys.disabled():
        print(f"\nauthorization matrix, part {chunk + 1} of {CHUNKS}: {cells} cells checked, {len(failures)} failures")
    assert not failures, "\n".join(failures[:40])
    assert cells > 2000 // CHUNKS
