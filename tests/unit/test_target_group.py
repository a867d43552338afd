"""The target-group check (guide §2) and the BSN eleven-check, as pure functions."""
from __future__ import annotations

from datetime import date

import pytest

from igp.families.rules import Criteria, TargetGroupCase, add_months, bsn_is_valid, check_target_group

TODAY = date(2026, 11, 24)


def case(phase="prenatal", vulnerabilities=(), medical=(), high_risk=False, due=date(2027, 3, 1), births=(),
         non_primary=(), second_line=False, protective=()):
    return TargetGroupCase(phase=phase, vulnerabilities=frozenset(vulnerabilities), medical_reasons=frozenset(medical),
                           high_risk=high_risk, reference_date=TODAY, expected_due_date=due if phase == "prenatal" else None,
                           child_birth_dates=tuple(births), non_primary=frozenset(non_primary),
                           second_line_care=second_line, protective_factors=frozenset(protective))


# (description from the guide, case, eligible, expected flags)
GUIDE_CASES = [
    ("MamaPlusPoli: complexe sociale problematiek, zwanger met hoog risico",
     case(vulnerabilities={"financien", "huisvesting"}, high_risk=True), True, ()),
    ("POP-poli: psychische problemen moeder, psychiatrische zorg",
     case(vulnerabilities={"psychisch"}, medical={"psychiatrie"}), True, ()),
    ("fn 11: alleen psychiatrische medicatie, geen sociale hulpvraag",
     case(medical={"psychiatrie"}, non_primary={"psychiatrische_medicatie"}), False, ("psychiatrische_medicatie",)),
    ("Nazorg neonatologie: prematuur en trauma door vroeggeboorte",
     case("postnatal", {"trauma"}, {"prematuriteit"}, births=[date(2026, 9, 1)]), True, ()),
    ("fn 12: neonatologie zonder hulpvraag naast medische zorg",
     case("postnatal", (), {"prematuriteit"}, births=[date(2026, 9, 1)], non_primary={"neonatologie_alleen_medisch"}),
     False, ("neonatologie_alleen_medisch",)),
    ("Huilpoli: excessief huilen en relatiespanning",
     case("postnatal", {"relatie"}, {"huilen"}, births=[date(2026, 8, 1)]), True, ()),
    ("Slaap- en eetproblemen met opvoedstress",
     case("postnatal", {"opvoeding"}, {"slaap", "voeding"}, births=[date(2026, 5, 1)]), True, ()),
    ("Fertiliteitsfase vóór de zwangerschap is geen primaire doelgroep",
     case(vulnerabilities={"financien"}, high_risk=True, non_primary={"fertiliteit"}), False, ("fertiliteit",)),
    ("Aangeboren afwijking zonder sociale hulpvraag",
     case("postnatal", (), {"anders"}, births=[date(2026, 10, 1)], non_primary={"aangeboren_afwijking"}),
     False, ("aangeboren_afwijking",)),
    ("Aangeboren afwijking mét sociale hulpvraag: wel, maar gemarkeerd",
     case("postnatal", {"netwerk"}, {"anders"}, births=[date(2026, 10, 1)], non_primary={"aangeboren_afwijking"}),
     True, ("aangeboren_afwijking",)),
    ("Alleen eerstelijns verloskundige zorg: geen 2e/3e lijn en geen hoog risico",
     case(vulnerabilities={"financien", "relatie"}), False, ()),
    ("Hoog risico op 2e/3e-lijnszorg telt als medische grond",
     case(vulnerabilities={"verslaving"}, high_risk=True), True, ()),
    ("Kind precies twee jaar: buiten de eerste 1000 dagen",
     case("postnatal", {"financien"}, {"voeding"}, births=[date(2024, 11, 24)]), False, ()),
    ("Kind van 23 maanden: nog binnen",
     case("postnatal", {"financien"}, {"voeding"}, births=[date(2024, 12, 25)]), True, ()),
    ("Zwanger zonder uitgerekende datum: niet vast te stellen",
     case(vulnerabilities={"financien"}, high_risk=True, due=None), False, ()),
    ("LVB moeder, dysmatuur kind",
     case("postnatal", {"lvb"}, {"dysmaturiteit"}, births=[date(2026, 11, 1)]), True, ()),
    ("Asfyxie en verslaving",
     case("postnatal", {"verslaving"}, {"asfyxie"}, births=[date(2026, 11, 20)]), True, ()),
    ("Geen kwetsbare sociale omstandigheden, wel prematuur",
     case("postnatal", (), {"prematuriteit"}, births=[date(2026, 11, 1)]), False, ()),
    ("Meerling: jongste telt (tweeling op dezelfde dag)",
     case("postnatal", {"netwerk"}, {"prematuriteit"}, births=[date(2026, 1, 5), date(2026, 1, 5)]), True, ()),
    # §2 target group 1: "dit is in principe de (huidige) populatie van de MamaPlusPoli's": being seen at the
    # hospital's poli is itself the second-line care; no medical code and no high risk needed (issue 17)
    ("MamaPlusPoli: zwanger met schulden en huisvestingsproblemen, geen medische reden",
     case(vulnerabilities={"financien", "huisvesting"}, second_line=True), True, ()),
    ("Zelfde gezin, niet op een tweedelijns poli en geen medische reden: buiten",
     case(vulnerabilities={"financien", "huisvesting"}), False, ()),
    ("Tweedelijns poli zonder sociale kwetsbaarheid: buiten (§2: uitsluitend sociaal kwetsbaar)",
     case(second_line=True), False, ()),
    ("Tweedelijns poli, fertiliteitsfase: blijft geen primaire doelgroep",
     case(vulnerabilities={"financien"}, second_line=True, non_primary={"fertiliteit"}), False, ("fertiliteit",)),
    ("Zwangerschapscomplicaties met huiselijk geweld",
     case(vulnerabilities={"veiligheid"}, medical={"zwangerschapscomplicaties"}), True, ()),
    ("Ontwikkelingsachterstand en een nieuwkomer die de taal nog leert",
     case("postnatal", {"taal"}, {"ontwikkelingsachterstand"}, births=[date(2026, 2, 1)]), True, ()),
    ("Stapeling en werk/inkomen, hoog risico",
     case(vulnerabilities={"stapeling", "werk_inkomen"}, high_risk=True), True, ()),
]


@pytest.mark.parametrize("description,the_case,eligible,flags", GUIDE_CASES, ids=[c[0] for c in GUIDE_CASES])
def test_guide_examples(description, the_case, eligible, flags):
    result = check_target_group(the_case)
    assert result.eligible is eligible, result.reasons
    assert result.flags == flags
    assert result.reasons[0] == ("Valt binnen de doelgroep van de IGP." if eligible else
                                 "Valt buiten de doelgroep van de IGP.")


def test_at_least_fifteen_guide_cases():
    assert len(GUIDE_CASES) >= 15


def test_reasons_name_what_is_missing():
    result = check_target_group(case(vulnerabilities={"financien"}))
    assert "Geen reden of hoog risico voor zorg uit de tweede of derde lijn." in result.reasons
    assert "geen_medische_reden" in result.codes


def test_partnership_may_widen_the_age_limit():
    older = case("postnatal", {"financien"}, {"voeding"}, births=[date(2024, 5, 1)])
    assert not check_target_group(older).eligible
    assert check_target_group(older, Criteria(age_limit_months=36)).eligible


def test_criteria_are_data():
    narrow = Criteria(social_vulnerabilities=frozenset({"financien"}))
    assert not check_target_group(case(vulnerabilities={"relatie"}, high_risk=True), narrow).eligible
    assert check_target_group(case(vulnerabilities={"financien"}, high_risk=True), narrow).eligible


@pytest.mark.parametrize("bsn,valid", [
    ("111222333", True), ("123456782", True), ("999999990", True), ("11122233", False),
    ("10000021", True),   # 8 digits: read with a leading zero (010000021 passes)
    ("12345678", False),
    ("111222334", False), ("123456789", False), ("000000000", False), ("1112223333", False),
    ("11122233a", False), ("", False), ("1112 22 333", True),
])
def test_bsn_elfproef(bsn, valid):
    assert bsn_is_valid(bsn) is valid


def test_add_months_end_of_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 24), 2) == date(2027, 1, 24)


def test_the_mamaplus_reason_names_the_poli_as_second_line_care():
    result = check_target_group(case(vulnerabilities={"financien", "huisvesting"}, second_line=True))
    assert "tweedelijns_poli" in result.codes
    assert "Het gezin wordt gezien op een poli van het ziekenhuis: dat is zelf zorg uit de tweede lijn." in result.reasons
    # a medical reason still comes first when there is one
    assert "medische_reden" in check_target_group(case(vulnerabilities={"financien"}, medical={"voeding"},
                                                       second_line=True)).codes


@pytest.mark.parametrize("the_case", [c[1] for c in GUIDE_CASES])
def test_protective_factors_are_noted_and_never_change_eligibility(the_case):
    from dataclasses import replace

    with_factors = replace(the_case, protective_factors=frozenset({"steunend_netwerk", "open_voor_hulp"}))
    assert check_target_group(with_factors).eligible is check_target_group(the_case).eligible
    assert "beschermende_factoren" in check_target_group(with_factors).codes


def test_the_extended_codes_have_dutch_labels():
    from igp.families.rules import MEDICAL_REASONS, PROTECTIVE_FACTORS, VULNERABILITIES

    assert VULNERABILITIES["werk_inkomen"] == "Werk en inkomen"
    assert VULNERABILITIES["veiligheid"] == "Veiligheid (huiselijk geweld)"
    assert VULNERABILITIES["taal"] == "Taal, nieuwkomer of laaggeletterdheid"
    assert VULNERABILITIES["stapeling"].startswith("Stapeling")
    assert MEDICAL_REASONS["zwangerschapscomplicaties"] == "Zwangerschapscomplicaties"
    assert MEDICAL_REASONS["ontwikkelingsachterstand"] == "Ontwikkelingsachterstand"
    assert PROTECTIVE_FACTORS["steunend_netwerk"].startswith("Steunend netwerk")


# ------------------------------------------------------------------ herbeoordeling doelgroep

@pytest.mark.parametrize("status, eligible, overridden, event", [
    ("aangemeld", False, False, "herbeoordeling_buiten"),
    ("aangemeld", False, True, None),            # the professional's override stands
    ("aangemeld", True, False, None),
    ("niet_in_doelgroep", True, False, "herbeoordeling_binnen"),
    ("niet_in_doelgroep", False, False, None),
    ("in_intake", False, False, None),           # in intake or active: the coordinator decides
    ("actief", False, False, None),
    ("actief", True, False, None),
    ("uitgestroomd", True, False, None),
])
def test_the_effect_of_a_reassessment_on_the_status(status, eligible, overridden, event):
    from igp.families.rules import reassessment_event, transition

    assert reassessment_event(status, eligible, overridden) == event
    if event:
        assert transition(status, event) == ("niet_in_doelgroep" if event == "herbeoordeling_buiten" else "aangemeld")


@pytest.mark.parametrize("roles, involvement, allowed", [
    ({"jeugdverpleegkundige"}, {"coordinator"}, True),
    ({"jeugdverpleegkundige"}, {"substitute"}, True),
    ({"gynaecoloog"}, {"registering_organisation"}, True),
    ({"sociaal_werker"}, {"registering_organisation", "core_team"}, True),
    ({"planner"}, {"registering_organisation"}, False),
    ({"sociaal_werker"}, {"core_team"}, False),
    ({"mdo_voorzitter"}, {"mdo_attendee"}, False),
    ({"jeugdverpleegkundige"}, set(), False),
])
def test_who_may_reassess(roles, involvement, allowed):
    from igp.families.rules import may_reassess

    assert may_reassess(roles, involvement) is allowed


def test_code_list_problems_name_the_field_and_keep_recorded_retired_codes():
    from igp.families.rules import code_list_problems

    active = {"financien": "Financiën"}
    known = {"financien": "Financiën", "oud": "Oude code"}
    assert code_list_problems("vulnerabilities", "Kwetsbaarheden", ["financien"], active, known) == {}
    assert "vervallen" in code_list_problems("vulnerabilities", "Kwetsbaarheden", ["oud"], active, known)[
        "vulnerabilities"]
    assert code_list_problems("vulnerabilities", "Kwetsbaarheden", ["oud"], active, known, kept={"oud"}) == {}
    assert "onbekende code 'x'" in code_list_problems("vulnerabilities", "Kwetsbaarheden", ["x"], active, known)[
        "vulnerabilities"]
