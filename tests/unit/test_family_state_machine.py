"""The family's course (Family.status) as a pure state machine: no app, no database.

Every event from every status, against a table written out by hand (not derived from
TRANSITIONS, so a changed transition fails here). The documented contract of
igp.families.rules.transition: a listed event moves the status; an event not listed for the
current status leaves the status as it is, except uitstroom, which is refused for a family that
has already left; an unknown event or intake outcome is refused.
"""
from __future__ import annotations

import itertools

import pytest

from igp.families.rules import FAMILY_EVENTS, INTAKE_OUTCOMES, STATUSES, TransitionRefused, transition

SAME = object()   # the status stays as it is
REFUSED = object()

ALL = ("aangemeld", "in_intake", "actief", "uitgestroomd", "niet_in_doelgroep")

EXPECTED = {
    "intake_gepland": {"aangemeld": "in_intake", "in_intake": SAME, "actief": SAME, "uitgestroomd": REFUSED,
                       "niet_in_doelgroep": SAME},
    "heraanmelding": {"aangemeld": SAME, "in_intake": SAME, "actief": SAME, "uitgestroomd": "aangemeld",
                      "niet_in_doelgroep": "aangemeld"},
    "doelgroep_afwijking": {"aangemeld": SAME, "in_intake": SAME, "actief": SAME, "uitgestroomd": SAME,
                            "niet_in_doelgroep": "aangemeld"},
    "uitstroom": {"aangemeld": "uitgestroomd", "in_intake": "uitgestroomd", "actief": "uitgestroomd",
                  "uitgestroomd": REFUSED, "niet_in_doelgroep": "uitgestroomd"},
    # herbeoordeling doelgroep: only a family waiting for its intake leaves, only one outside comes back
    "herbeoordeling_buiten": {"aangemeld": "niet_in_doelgroep", "in_intake": SAME, "actief": SAME,
                              "uitgestroomd": SAME, "niet_in_doelgroep": SAME},
    "herbeoordeling_binnen": {"aangemeld": SAME, "in_intake": SAME, "actief": SAME, "uitgestroomd": SAME,
                              "niet_in_doelgroep": "aangemeld"},
}
# intake outcome -> status, from whatever status the family had
OUTCOME_STATUS = {"actief": "actief", "niet_in_doelgroep": "niet_in_doelgroep", "doorverwezen": "uitgestroomd",
                  "geen_hulp_gewenst": "uitgestroomd"}


def test_the_table_covers_every_status_event_and_outcome():
    assert set(STATUSES) == set(ALL)
    assert set(FAMILY_EVENTS) == set(EXPECTED) | {"intake_uitkomst", "samenvoeging"}
    assert set(INTAKE_OUTCOMES) == set(OUTCOME_STATUS)


@pytest.mark.parametrize("event, current", list(itertools.product(EXPECTED, ALL)))
def test_every_event_from_every_status(event, current):
    expected = EXPECTED[event][current]
    if expected is REFUSED:
        with pytest.raises(TransitionRefused):
            transition(current, event)
        return
    assert transition(current, event) == (current if expected is SAME else expected)


def test_a_family_that_has_left_cannot_leave_again():
    with pytest.raises(TransitionRefused, match=r"^Dit gezin is al uitgestroomd\.$"):
        transition("uitgestroomd", "uitstroom")


@pytest.mark.parametrize("current, outcome", list(itertools.product([s for s in ALL if s != "uitgestroomd"], OUTCOME_STATUS)))
def test_the_intake_outcome_sets_the_status(current, outcome):
    assert transition(current, "intake_uitkomst", outcome=outcome) == OUTCOME_STATUS[outcome]


@pytest.mark.parametrize("outcome", OUTCOME_STATUS)
def test_a_family_that_has_left_gets_no_intake_outcome_without_a_new_aanmelding(outcome):
    with pytest.raises(TransitionRefused, match=r"^Dit gezin is uitgestroomd\. Meld het gezin opnieuw aan"):
        transition("uitgestroomd", "intake_uitkomst", outcome=outcome)


@pytest.mark.parametrize("target, source, expected", [
    ("uitgestroomd", "actief", "actief"), ("niet_in_doelgroep", "in_intake", "in_intake"),
    ("actief", "uitgestroomd", "actief"), ("uitgestroomd", "niet_in_doelgroep", "uitgestroomd"),
    ("aangemeld", "actief", "aangemeld")])
def test_merging_two_records_keeps_the_one_in_care(target, source, expected):
    assert transition(target, "samenvoeging", outcome=source) == expected


@pytest.mark.parametrize("outcome", [None, "", "onbekend", "uitgestroomd"])
def test_an_unknown_intake_outcome_is_refused(outcome):
    with pytest.raises(TransitionRefused, match=r"^Onbekende uitkomst van de intake: "):
        transition("in_intake", "intake_uitkomst", outcome=outcome)


@pytest.mark.parametrize("event", ["", "intake", "uitstromen", "aangemeld", "UITSTROOM"])
def test_an_unknown_event_is_refused_from_every_status(event):
    for current in ALL:
        with pytest.raises(TransitionRefused, match=r"^Onbekende gebeurtenis "):
            transition(current, event)


def test_the_refusal_is_a_value_error_with_a_dutch_message():
    """The exit service shows the refusal's message to the user as it is."""
    assert issubclass(TransitionRefused, ValueError)
    with pytest.raises(ValueError) as caught:
        transition("uitgestroomd", "uitstroom")
    assert str(caught.value) == "Dit gezin is al uitgestroomd."
