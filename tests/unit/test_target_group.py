"""The target-group check (guide §2) and the BSN eleven-check, as pure functions."""
from __future__ import annotations

from datetime import date

import pytest

from igp.families.rules import Criteria, TargetGroupCase, add_months, bsn_is_valid, check_target_group

TODAY = date(2026, 11, 24)


def case(phase="prenatal", vulnerabilities=(), medical=(), high_risk=False, due=date(2027, 3, 1), births=(),
         non_primary=()):
    return TargetGroupCase(phase=phase, vulnerabilities=frozenset(vulnerabilities), medical_reasons=frozenset(medical),
                           high_risk=high_risk, reference_date=TODAY, expected_due_date=due if phase == "prenatal" else None,
                           child_birth_dates=tuple(births), non_primary=frozenset(non_primary))


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
