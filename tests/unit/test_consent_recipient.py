"""consent.decide_for_recipient: what a family's consent lets a recipient organisation receive in a FHIR
export (pure, no app): the exporter's view, the domain's need to know, the consent's addressee, purpose,
validity and parents, and the registering organisation itself."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import consent
from consent import CATEGORIES, ConsentGrant, Decision, Recipient, decide_for_recipient

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
ALL = {c: "eigen_organisatie" for c in CATEGORIES}
EXPORTER = Decision(involved=True, allowed=frozenset(CATEGORIES), withheld={}, own_organisation=True, grounds=ALL)
SOCIAL, JGZ, VOLUNTEERS = Recipient(30, "sociaal"), Recipient(20, "jgz"), Recipient(40, "informeel")


def grant(categories, *, org=30, domain=None, purpose="zorg_en_ondersteuning", given=NOW - timedelta(days=1),
          until=None, withdrawn=None, by=(1, 2), gid=1) -> ConsentGrant:
    return ConsentGrant(id=gid, recipient_organisation_id=org if domain is None else None, recipient_domain=domain,
                        categories=frozenset(categories), purpose=purpose, given_at=given, valid_until=until,
                        withdrawn_at=withdrawn, given_by=frozenset(by))


def test_only_the_consented_categories_go():
    decision = decide_for_recipient(EXPORTER, SOCIAL, [grant({"naw", "zorgplan"})], NOW)
    assert decision.allowed == {"naw", "zorgplan"} and decision.consent_ids == {1}
    assert decision.reason("verwijzingen") == "geen_toestemming"


def test_a_domain_consent_reaches_an_organisation_of_that_domain_only():
    consents = [grant({"naw"}, domain="sociaal")]
    assert decide_for_recipient(EXPORTER, SOCIAL, consents, NOW).allowed == {"naw"}
    assert decide_for_recipient(EXPORTER, JGZ, consents, NOW).allowed == frozenset()


def test_the_domain_s_need_to_know_limits_it():
    every = grant(set(CATEGORIES))
    assert decide_for_recipient(EXPORTER, SOCIAL, [every], NOW).reason("medicatie") == "niet_nodig_voor_rol"
    assert decide_for_recipient(EXPORTER, Recipient(30, "informeel"), [every], NOW).allowed == {"naw"}
    assert consent.domain_need("jgz") == frozenset(CATEGORIES)


@pytest.mark.parametrize("purpose,goes", [("zorg_en_ondersteuning", True), ("warme_overdracht", True),
                                          ("mdo_bespreking", False)])
def test_the_purpose_must_fit_handing_the_case_on(purpose, goes):
    decision = decide_for_recipient(EXPORTER, SOCIAL, [grant({"naw"}, purpose=purpose)], NOW)
    assert decision.may("naw") is goes


def test_withdrawn_expired_and_not_yet_given_consents_give_nothing_with_their_reason():
    withdrawn = decide_for_recipient(EXPORTER, SOCIAL, [grant({"naw"}, withdrawn=NOW)], NOW)
    assert withdrawn.reason("naw") == "toestemming_ingetrokken"
    expired = decide_for_recipient(EXPORTER, SOCIAL, [grant({"naw"}, until=NOW - timedelta(seconds=1))], NOW)
    assert expired.reason("naw") == "toestemming_verlopen"
    future = decide_for_recipient(EXPORTER, SOCIAL, [grant({"naw"}, given=NOW + timedelta(hours=1))], NOW)
    assert future.reason("naw") == "geen_toestemming"


def test_both_parents_where_both_must_consent():
    one = [grant({"naw"}, by=(1,))]
    assert decide_for_recipient(EXPORTER, SOCIAL, one, NOW, parent_ids=frozenset({1, 2})).allowed == frozenset()
    assert decide_for_recipient(EXPORTER, SOCIAL, one, NOW).allowed == {"naw"}


def test_never_more_than_the_exporter_sees_and_never_by_break_the_glass():
    exporter = Decision(involved=True, allowed=frozenset({"naw", "zorgplan"}),
                        withheld={c: "niet_nodig_voor_rol" for c in CATEGORIES if c not in ("naw", "zorgplan")},
                        grounds={"naw": "toestemming", "zorgplan": "noodtoegang"})
    decision = decide_for_recipient(exporter, SOCIAL, [grant(set(CATEGORIES))], NOW)
    assert decision.allowed == {"naw"}
    assert decision.reason("zorgplan") == "geen_toestemming" and decision.reason("verwijzingen") == "niet_nodig_voor_rol"


def test_the_registering_organisation_needs_no_consent():
    decision = decide_for_recipient(EXPORTER, Recipient(10, "zorg"), [], NOW, registering_organisation_id=10)
    assert decision.allowed == frozenset(CATEGORIES) and decision.own_organisation
    assert set(decision.grounds.values()) == {"eigen_organisatie"}


def test_bad_input_is_refused():
    with pytest.raises(consent.PolicyError):
        Recipient(1, "elders")
    with pytest.raises(consent.PolicyError):
        decide_for_recipient(EXPORTER, SOCIAL, [], NOW.replace(tzinfo=None))
