"""Correcting a family's record: the schema and the pure rules, without app or database."""
from datetime import date

import pytest

from igp.errors import ValidationError
from igp.families import rules
from igp.families.schemas import FamilyUpdateIn
from igp.validation import parse

TODAY = date(2026, 12, 1)


def _problems(data, parents_now=1, children_now=0):
    return rules.update_problems(parse(FamilyUpdateIn, data), sent=data, parents_now=parents_now,
                                 children_now=children_now, today=TODAY, age_limit_months=24)


def test_the_version_seen_is_required_and_named():
    with pytest.raises(ValidationError) as refused:
        parse(FamilyUpdateIn, {"phase": "prenatal"})
    assert refused.value.errors == {"version": "Geef de versie mee die u zag (version)."}


def test_a_parent_or_child_cannot_be_removed():
    assert _problems({"version": 1, "parents": []}, parents_now=1)["parents"].startswith("Een ouder kan niet")
    assert _problems({"version": 1, "children": []}, children_now=1)["children"].startswith("Een kind kan niet")


def test_a_new_parent_needs_a_name_an_existing_one_keeps_it_when_not_sent():
    data = {"version": 1, "parents": [{"phone": "0612345678"}, {"phone": "0612345679"}]}
    assert _problems(data, parents_now=1) == {"parents[1].name": "Naam ouder is verplicht voor een nieuwe ouder."}
    assert _problems({"version": 1, "parents": [{"name": ""}]}) == {"parents[0].name": "Naam ouder is verplicht."}


def test_birth_dates_and_due_date_checked_against_today():
    assert "children[0].birth_date" in _problems({"version": 1, "children": [{"birth_date": "2026-12-02"}]})
    assert "children[0].birth_date" in _problems({"version": 1, "children": [{"name": "Kind"}]})   # new child
    assert "children[0].birth_date" not in _problems({"version": 1, "children": [{"name": "Kind"}]}, children_now=1)
    assert "expected_due_date" in _problems({"version": 1, "expected_due_date": "2027-11-01"})
    assert _problems({"version": 1, "expected_due_date": "2027-05-01", "phase": "prenatal"}) == {}
