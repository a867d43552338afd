"""GET /api/v1/families/{id}/fhir?recipient=: the consent matrix over the Bundle (raw bytes), withdrawal
on the next export, who may export, the audit entry, and every resource parsed and checked (counted)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

import consent
from igp.audit.models import AuditEntry
from igp.extensions import db
from igp.fhir import codes
from igp.sharing import services as sharing
from tests.fhir.conftest import BSN, CANARIES, CHILD, MOTHER
from tests.fhir.counting import check_resource
from tests.fhir.test_fhir_mappings import compare_with_golden

# the categories with resources of their own (ontwikkeling_risicos travels only as the referral's reason
# codes, so with verwijzingen; the notes' categories never travel)
STANDALONE = ("naw", "medische_voorgeschiedenis", "verwijzingen", "consultverslagen", "mdo_notulen", "zorgplan")
RECIPIENTS = ("wijkteam", "homestart", "other_hospital", "jgz")


def export(api, user, family, organisation):
    return api(user).get(f"/api/v1/families/{family.id}/fhir?recipient={organisation.id}")


def bundle_of(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    return check_resource(json.loads(response.get_data(as_text=True)))


def present(raw: bytes, category: str) -> bool:
    return any(canary.encode() in raw for canary in CANARIES[category])


@pytest.mark.parametrize("recipient_key", RECIPIENTS)
def test_consent_matrix_a_category_not_consented_never_appears(network, rich_family, recipient_consent, api, clock,
                                                               capsys, recipient_key):
    """For each category alone consented to the recipient: exactly that category's canaries appear in
    the raw bytes (when the recipient's domain needs it), no other category's, and never a note."""
    recipient = getattr(network, recipient_key)
    need = consent.domain_need(recipient.domain)
    cells = 0
    for granted in consent.CATEGORIES:
        row = recipient_consent(rich_family, recipient, [granted])
        clock.advance(minutes=1)
        raw = export(api, network.mmw, rich_family, recipient).get_data()
        bundle_of_raw = check_resource(json.loads(raw))
        assert bundle_of_raw["type"] == "collection"
        for category in consent.CATEGORIES:
            expected = category == granted and category in STANDALONE and category in need
            assert present(raw, category) is expected, (recipient_key, granted, category)
            cells += 1
        shows_bsn = granted == "naw" and recipient.domain in ("zorg", "jgz")
        assert (BSN.encode() in raw) is shows_bsn, (recipient_key, granted)
        sharing.withdraw(network.gyn, row.id, "Matrix: volgende categorie")
        db.session.commit()
        clock.advance(minutes=1)
    with capsys.disabled():
        print(f"\nFHIR consent matrix, recipient {recipient_key} ({recipient.domain}): {cells} cells checked")


def test_reason_codes_travel_only_with_their_own_category(network, rich_family, recipient_consent, api, clock):
    recipient_consent(rich_family, network.jgz, ["verwijzingen"])
    clock.advance(minutes=1)
    raw = export(api, network.mmw, rich_family, network.jgz).get_data()
    assert b"Geldzorgen en eerdere depressie" in raw and b"financien" not in raw and b"psychiatrie" not in raw
    recipient_consent(rich_family, network.jgz, ["ontwikkeling_risicos", "medische_voorgeschiedenis"])
    clock.advance(minutes=1)
    raw = export(api, network.mmw, rich_family, network.jgz).get_data()
    assert b"financien" in raw and b"psychiatrie" in raw


def test_withdrawal_removes_it_on_the_next_export(network, rich_family, recipient_consent, api, clock):
    row = recipient_consent(rich_family, network.wijkteam, ["naw", "zorgplan"])
    clock.advance(minutes=1)
    before = export(api, network.mmw, rich_family, network.wijkteam).get_data()
    assert MOTHER.encode() in before and b"Canary hulpvraag" in before
    sharing.withdraw(network.gyn, row.id, "De ouders trekken de toestemming in")
    db.session.commit()
    after_response = export(api, network.mmw, rich_family, network.wijkteam)
    after = bundle_of(after_response)
    raw = after_response.get_data()
    assert MOTHER.encode() not in raw and CHILD.encode() not in raw and b"Canary hulpvraag" not in raw
    withdrawn = next(e["resource"] for e in after["entry"] if e["resource"]["id"] == f"toestemming-{row.id}")
    assert withdrawn["status"] == "inactive"
    assert {e["resource"]["resourceType"] for e in after["entry"]} >= {"Patient", "Consent"}


def test_a_consent_for_the_mdo_only_hands_nothing_on(network, rich_family, recipient_consent, api, clock):
    recipient_consent(rich_family, network.wijkteam, ["naw", "zorgplan"], purpose="mdo_bespreking")
    clock.advance(minutes=1)
    raw = export(api, network.mmw, rich_family, network.wijkteam).get_data()
    assert MOTHER.encode() not in raw and b"Canary hulpvraag" not in raw


def test_a_consent_for_the_warm_handover_hands_its_categories_on(network, rich_family, recipient_consent, api, clock):
    recipient_consent(rich_family, network.jgz, ["naw"], purpose="warme_overdracht")
    clock.advance(minutes=1)
    raw = export(api, network.mmw, rich_family, network.jgz).get_data()
    assert MOTHER.encode() in raw and BSN.encode() in raw


def test_the_export_is_logged_with_what_went_and_what_not(network, rich_family, recipient_consent, api, clock):
    row = recipient_consent(rich_family, network.wijkteam, ["naw"])
    clock.advance(minutes=1)
    bundle_of(export(api, network.mmw, rich_family, network.wijkteam))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                               .order_by(AuditEntry.seq.desc())).first()
    assert entry.family_pseudonym == rich_family.pseudonym and entry.user_id == network.mmw.id
    assert entry.categories_shown == "naw" and "zorgplan:geen_toestemming" in entry.categories_withheld
    assert entry.consent_ids == str(row.id)
    assert entry.detail == f"fhir: Bundle for organisation #{network.wijkteam.id}"
    assert MOTHER not in (entry.detail or "") and BSN not in json.dumps(entry.detail)


# ------------------------------------------------------------------ who may export

def test_the_coordinator_may_export(network, register, api):
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    coordinator = db.session.get(type(family), family.id).coordinator
    assert coordinator is not None
    response = export(api, coordinator, family, network.wijkteam)
    bundle = bundle_of(response)
    mother = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert mother["name"][0]["text"] == MOTHER          # the kernteam preset gives the social domain the NAW
    assert BSN.encode() not in response.get_data()     # but never the BSN


@pytest.mark.parametrize("who,status", [("gyn", 403), ("chair", 403), ("planner", 403), ("vrijwilliger", 403),
                                        ("outsider", 404), ("po", 403)])
def test_others_may_not_export(network, rich_family, recipient_consent, api, who, status):
    """The registering gynaecologist (no core-team member), the MDO chair, the team planner: involved, 403;
    a volunteer: her role may not; another hospital's gynaecologist (a referrer without involvement): 404."""
    recipient_consent(rich_family, network.wijkteam, ["naw"])
    response = export(api, getattr(network, who), rich_family, network.wijkteam)
    assert response.status_code == status, (who, response.get_data(as_text=True)[:200])
    assert response.is_json and MOTHER.encode() not in response.get_data()


def test_an_unknown_family_is_404_before_the_recipient_is_checked(network, api):
    response = api(network.mmw).get("/api/v1/families/999999/fhir")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query", ["", "?recipient=", "?recipient=abc", "?recipient=999999"])
def test_the_recipient_is_required_and_must_exist(network, rich_family, api, query):
    response = api(network.mmw).get(f"/api/v1/families/{rich_family.id}/fhir{query}")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "recipient"


def test_the_recipients_own_family_needs_no_consent(network, rich_family, api):
    """Exporting to the registering organisation itself (the hospital): its categories without consent."""
    raw = export(api, network.mmw, rich_family, network.hospital).get_data()
    assert MOTHER.encode() in raw and BSN.encode() in raw and b"Canary hulpvraag" in raw
    assert b"Canary diagnostiek" not in raw


# ------------------------------------------------------------------ the whole Bundle against its golden file

ID_KEYS = ("id", "reference", "fullUrl")
PSEUDONYM = re.compile(r"GZ-[A-Z0-9]{3,8}")


def normalise_ids(bundle: dict) -> dict:
    """Row ids differ between runs (and databases): each number in an id, a reference, a fullUrl or a value
    of the IGP's identifier systems becomes its order of first appearance in the same context (the text
    before it, earlier numbers as #: kind-37 -> kind-1, mdo-4-9-1 -> mdo-1-1-1); pseudonyms become GZ-P;
    the moment of the export is left to compare_with_golden."""
    seen: dict[tuple[str, str], int] = {}

    def renumber(text: str) -> str:
        out, last = [], 0
        for match in re.finditer(r"\d+", text):
            context = re.sub(r"\d+", "#", text[:match.start()])
            key = (context, match.group())
            seen.setdefault(key, 1 + sum(1 for k in seen if k[0] == context))
            out.append(text[last:match.start()] + str(seen[key]))
            last = match.end()
        return "".join(out) + text[last:]

    def walk(value, key=None, parent=None):
        if isinstance(value, dict):
            return {k: walk(v, k, value) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key, parent) for v in value]
        if not isinstance(value, str):
            return value
        value = PSEUDONYM.sub("GZ-P", value)
        if key == "id" and value.isdigit() and "resourceType" in parent:   # ServiceRequest/<referral id> etc.
            return renumber(f"{parent['resourceType']}/{value}").split("/", 1)[1]
        if key in ID_KEYS:
            return renumber(value)
        if key == "value" and str(parent.get("system", "")).startswith(codes.BASE):
            return renumber(f"{parent['system'].rsplit('/', 1)[1]}/{value}")
        return value

    return walk(bundle)


def test_the_export_matches_its_golden_bundle(network, rich_family, recipient_consent, api, clock):
    recipient_consent(rich_family, network.jgz, consent.CATEGORIES)
    clock.advance(minutes=1)
    bundle = bundle_of(export(api, network.mmw, rich_family, network.jgz))
    compare_with_golden("export_bundle_jgz", normalise_ids(bundle))
