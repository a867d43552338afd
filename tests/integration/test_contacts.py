"""Contact moments per family and discipline (issue 18, guide §7.2): who records and reads them, the
substitute recording for the absent coordinator, bad input storing nothing, the audit entries, and
the monitoring figures (computed by hand below)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from igp.admin.services import add_poli_team_member
from igp.audit.models import AuditEntry
from igp.contacts import rules
from igp.contacts.models import ContactMoment
from igp.contacts.services import contact_figures, record_contact
from igp.coordination import services as coordination
from igp.errors import Forbidden
from igp.extensions import db
from igp.families.models import Family
from igp.sharing import services as sharing


@pytest.fixture
def family(network, register):
    """A hospital family (registered 23-11-2026, today is 24-11-2026) with the kernteam consent; the
    JGZ nurse coordinates."""
    registered = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    fam = db.session.get(Family, registered.id)
    if fam.coordinator_id != network.jvk.id:
        coordination.assign_coordinator(network.gyn, fam.id, {"user_id": network.jvk.id})
    db.session.commit()
    return db.session.get(Family, registered.id)


def _path(family) -> str:
    return f"/api/v1/families/{family.id}/contacts"


def _stored() -> list[ContactMoment]:
    return list(db.session.scalars(select(ContactMoment).order_by(ContactMoment.id)))


def _audit(object_type: str = "contact_moment") -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type)
                                   .order_by(AuditEntry.id)))


def test_care_roles_record_in_their_discipline_and_read_the_list(network, family, api):
    gyn = api(network.gyn)
    made = gyn.post(_path(family), json={"kind": "consult"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json() | {"id": 0} == {"id": 0, "contact_on": "2026-11-24", "discipline": "gynaecologie",
                                           "kind": "consult", "on_behalf_of_id": None}
    nurse = api(network.jvk).post(_path(family), json={"kind": "huisbezoek", "contact_on": "2026-11-23"})
    assert nurse.status_code == 201 and nurse.get_json()["discipline"] == "jgz"
    listed = api(network.jvk).get(_path(family)).get_json()
    assert [(i["contact_on"], i["kind"], i["discipline"], i["recorded_by"]) for i in listed["items"]] == [
        ("2026-11-24", "consult", "gynaecologie", "Dr. Gyn"), ("2026-11-23", "huisbezoek", "jgz", "JVK Een")]
    assert listed["total"] == 2 and listed["may_record"] is True
    assert listed["by_discipline"] == {"jgz": 1, "verloskunde": 0, "gynaecologie": 1, "kindergeneeskunde": 0,
                                       "mmw": 0, "sociaal_domein": 0}
    stored = _stored()
    assert [(r.organisation_id, r.recorded_by_id) for r in stored] == [
        (network.hospital.id, network.gyn.id), (network.jgz.id, network.jvk.id)]
    # every write and the read are in the audit log, with the category shown
    entries = _audit()
    assert [(e.action, e.outcome) for e in entries] == [("create", "allowed"), ("create", "allowed"),
                                                       ("read", "allowed")]
    assert entries[0].object_id == str(stored[0].id) and entries[0].family_pseudonym == family.pseudonym
    assert entries[2].categories_shown == "naw" and entries[2].username == "jvk1"


def test_the_social_worker_in_the_core_team_records_sociaal_domein(network, family, api):
    assert api(network.sw).post(_path(family), json={"kind": "telefonisch"}).status_code == 404   # not involved
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    made = api(network.sw).post(_path(family), json={"kind": "telefonisch"})
    assert made.status_code == 201 and made.get_json()["discipline"] == "sociaal_domein"


def test_who_may_not_record(network, family, api, make_user):
    """Volunteers (they record informal support), the planner, the projectleider, the privacy officer
    and the beheerder record no contact moment; someone not involved gets 404, as for no family."""
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                          "case_role": "informele_steun"})
    db.session.commit()
    for who in (network.vrijwilliger, network.planner, network.pl, network.po, network.admin):
        answer = api(who).post(_path(family), json={"kind": "consult"})
        assert answer.status_code == 403, (who.username, answer.status_code)
    # the service refuses too (not only the route), and logs the refusal
    with pytest.raises(Forbidden) as refused:
        record_contact(network.vrijwilliger, family.id, {"kind": "huisbezoek"})
    assert refused.value.audit["outcome"] == "denied" and refused.value.audit["object_type"] == "contact_moment"
    assert api(network.outsider).post(_path(family), json={"kind": "consult"}).status_code == 404
    assert api(network.outsider).get(_path(family)).status_code == 404
    # the volunteer sees the NAW, but not which disciplines saw the family (data minimisation)
    api(network.gyn).post(_path(family), json={"kind": "consult"})
    seen = api(network.vrijwilliger).get(_path(family)).get_json()
    assert seen["total"] == 0 and seen["items"] == [] and seen["may_record"] is False
    assert seen["withheld"] and "informele steun" in str(seen["withheld"])
    assert len(_stored()) == 1


def test_the_team_planners_tie_is_no_care_relationship(network, family, api, make_user):
    """A care role whose only tie is the planner's team role: no care relationship, 403."""
    planner_nurse = make_user("jeugdverpleegkundige", "planner", org=network.jgz, username="plannurse")
    add_poli_team_member(network.planner, "pop", planner_nurse.id)
    db.session.commit()
    assert api(planner_nurse).get(_path(family)).status_code == 200        # she reads (the team's NAW) ...
    answer = api(planner_nurse).post(_path(family), json={"kind": "consult"})
    assert answer.status_code == 403, answer.get_json()                    # ... and records nothing
    assert _stored() == []
    refusal = _audit()[-1]
    assert refusal.outcome == "denied" and refusal.action == "create" and refusal.username == "plannurse"


def test_without_consent_the_list_is_withheld_and_nothing_may_be_recorded(network, register, api):
    """A JGZ nurse in the core team of a hospital family without consent: NAW withheld."""
    fam = register(network.gyn)
    coordination.add_core_member(network.gyn, fam.id, {"user_id": network.jvk2.id,
                                                       "case_role": "jeugdverpleegkundige"})
    db.session.commit()
    listed = api(network.jvk2).get(_path(fam)).get_json()
    assert listed["items"] == [] and listed["withheld"][0]["category"] == "naw"
    assert api(network.jvk2).post(_path(fam), json={"kind": "consult"}).status_code == 403
    assert _stored() == []


def test_the_substitute_records_on_behalf_of_the_absent_coordinator(network, family, api):
    coordination.record_absence(network.jvk, {"from": "2026-11-24", "to": "2026-11-25", "reason": "ziekte",
                                              "substitute_id": network.jvk2.id})
    db.session.commit()
    made = api(network.jvk2).post(_path(family), json={"kind": "telefonisch"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["on_behalf_of_id"] == network.jvk.id
    row = _stored()[0]
    assert row.recorded_by_id == network.jvk2.id and row.on_behalf_of_id == network.jvk.id
    assert _audit()[0].on_behalf_of_id == network.jvk.id
    listed = api(network.jvk2).get(_path(family)).get_json()
    assert listed["items"][0]["on_behalf_of"] == "JVK Een" and listed["items"][0]["recorded_by"] == "JVK Twee"
    # the gynaecologist recording herself is nobody's substitute
    assert api(network.gyn).post(_path(family), json={"kind": "consult"}).get_json()["on_behalf_of_id"] is None


@pytest.mark.parametrize("body,field,message", [
    ({"kind": "consult", "contact_on": "2026-11-25"}, "contact_on", "in de toekomst"),
    ({"kind": "consult", "contact_on": "2026-11-22"}, "contact_on", "vóór de aanmelding van het gezin (23-11-2026)"),
    ({"kind": "consult", "contact_on": "gisteren"}, "contact_on", "geldige datum"),
    ({"kind": "consult", "contact_on": "2026-02-30"}, "contact_on", "geldige datum"),
    ({"kind": "bezoekje"}, "kind", "onbekende waarde"),
    ({}, "kind", "verplicht"),
    ({"kind": "consult", "discipline": "tandarts"}, "discipline", "onbekende waarde"),
    ({"kind": "consult", "discipline": "jgz"}, "discipline", "eigen rol"),
])
def test_bad_input_is_422_naming_the_field_and_nothing_is_stored(network, family, api, body, field, message):
    answer = api(network.gyn).post(_path(family), json=body)
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert error["field"] == field and message in error["fields"][field], error
    assert _stored() == [] and [e for e in _audit() if e.action == "create" and e.outcome == "allowed"] == []


def test_a_professional_with_two_roles_chooses_between_her_disciplines(network, family, api, make_user):
    both = make_user("gynaecoloog", "verloskundige", org=network.hospital)
    assert api(both).post(_path(family), json={"kind": "consult"}).get_json()["discipline"] == "verloskunde"
    chosen = api(both).post(_path(family), json={"kind": "consult", "discipline": "gynaecologie"})
    assert chosen.status_code == 201 and chosen.get_json()["discipline"] == "gynaecologie"
    other = api(both).post(_path(family), json={"kind": "consult", "discipline": "kindergeneeskunde"})
    assert other.status_code == 422 and other.get_json()["error"]["field"] == "discipline"


def test_rules_by_hand():
    assert rules.default_discipline({"jeugdarts"}) == "jgz"
    assert rules.default_discipline({"mmw"}) == "mmw"
    assert rules.default_discipline({"mdo_voorzitter", "kinderarts"}) == "kindergeneeskunde"
    assert rules.default_discipline({"informele_steun"}) is None
    assert rules.disciplines_of({"sociaal_werker", "verloskundige"}) == ("verloskunde", "sociaal_domein")
    assert rules.may_record({"jeugdverpleegkundige"}, {"substitute"})
    assert not rules.may_record({"jeugdverpleegkundige"}, {"mdo_attendee", "team_planner"})
    assert not rules.may_record({"planner"}, {"core_team"})
    assert not rules.may_record({"informele_steun"}, {"core_team"})
    today, registered = date(2026, 11, 24), date(2026, 11, 20)
    assert rules.date_problems(today, today, registered) == {}
    assert rules.date_problems(registered, today, registered) == {}
    assert "toekomst" in rules.date_problems(date(2026, 11, 25), today, registered)["contact_on"]
    assert "20-11-2026" in rules.date_problems(date(2026, 11, 19), today, registered)["contact_on"]


# ------------------------------------------------------------------ monitoring (§7.2)

def _contact(family, on: str, discipline: str, kind: str, network) -> None:
    db.session.add(ContactMoment(family_id=family.id, contact_on=date.fromisoformat(on), discipline=discipline,
                                 kind=kind, organisation_id=network.hospital.id, recorded_by_id=network.gyn.id))


def test_contact_figures_by_hand(network, register):
    """POP family A: 3 contacts in November (+1 in October, +1 in December); POP family B: 1 in November;
    MamaPlus family C: 2 in November. November, POP: 4 contacts, 2 families; all poli's: 6 and 3."""
    a, b = register(network.gyn), register(network.gyn)
    c = register(network.gyn, poli="mamaplus")
    for fam, on, discipline, kind in (
            (a, "2026-10-31", "jgz", "consult"),               # before the period
            (a, "2026-11-01", "jgz", "huisbezoek"),            # first day (inclusive)
            (a, "2026-11-15", "jgz", "huisbezoek"),
            (a, "2026-11-30", "gynaecologie", "consult"),      # last day (inclusive)
            (a, "2026-12-01", "mmw", "telefonisch"),           # after the period
            (b, "2026-11-10", "sociaal_domein", "telefonisch"),
            (c, "2026-11-05", "kindergeneeskunde", "consult"),
            (c, "2026-11-06", "kindergeneeskunde", "groep")):
        _contact(fam, on, discipline, kind, network)
    db.session.commit()
    pop = db.session.get(Family, a.id).poli_id
    zeros_d = dict.fromkeys(rules.DISCIPLINES, 0)
    zeros_k = dict.fromkeys(rules.KINDS, 0)
    assert contact_figures(date(2026, 11, 1), date(2026, 11, 30), pop) == {
        "contacts": 4, "families": 2,
        "by_discipline": {**zeros_d, "jgz": 2, "gynaecologie": 1, "sociaal_domein": 1},
        "by_kind": {**zeros_k, "huisbezoek": 2, "consult": 1, "telefonisch": 1}}
    assert contact_figures(date(2026, 11, 1), date(2026, 11, 30), None) == {
        "contacts": 6, "families": 3,
        "by_discipline": {**zeros_d, "jgz": 2, "gynaecologie": 1, "sociaal_domein": 1, "kindergeneeskunde": 2},
        "by_kind": {**zeros_k, "huisbezoek": 2, "consult": 2, "telefonisch": 1, "groep": 1}}
    assert contact_figures(date(2027, 1, 1), date(2027, 1, 31), None) == {
        "contacts": 0, "families": 0, "by_discipline": zeros_d, "by_kind": zeros_k}


def test_erasing_the_family_removes_its_contact_moments(network, family, api):
    assert api(network.gyn).post(_path(family), json={"kind": "consult"}).status_code == 201
    erased = api(network.po).delete(f"/api/v1/families/{family.id}",
                                    json={"reason": "Verzoek van de ouders tot verwijdering"})
    assert erased.status_code in (200, 204), erased.get_json()
    db.session.expire_all()
    assert _stored() == []
