"""MDO quorum as a pure rule: no app, no database.

A decision of the MDO counts as taken with quorum only when every required domain (zorg, jgz,
sociaal) AND every required role is represented by someone present, per agenda item: who was
present only for other items, who is absent or only invited does not count; who came late does.
"""
from __future__ import annotations

from igp.mdo.rules import PRESENT, Present, QuorumResult, present_for_item, quorum

DOMAINS = ("zorg", "jgz", "sociaal")   # the default setting mdo_quorum_domains


def person(user_id: int, domain: str, *roles: str) -> Present:
    return Present(user_id, domain, frozenset(roles))


GYN = person(1, "zorg", "gynaecoloog")
JVK = person(2, "jgz", "jeugdverpleegkundige")
SW = person(3, "sociaal", "sociaal_werker")
JEUGDARTS = person(4, "jgz", "jeugdarts")
CHAIR = person(5, "zorg", "mdo_voorzitter", "kinderarts")


def test_every_required_domain_and_role_present_is_a_quorum():
    result = quorum(DOMAINS, ["jeugdarts"], [GYN, JVK, SW, JEUGDARTS])
    assert result == QuorumResult(True, (), ())
    assert result.describe() == "Quorum bereikt."


def test_a_missing_required_role_is_no_quorum_even_with_every_domain_present():
    result = quorum(DOMAINS, ["jeugdarts"], [GYN, JVK, SW])
    assert result == QuorumResult(False, (), ("jeugdarts",))
    assert result.describe() == "Geen quorum: ontbreekt rol jeugdarts."


def test_a_missing_required_domain_is_no_quorum_even_with_every_role_present():
    result = quorum(DOMAINS, ["gynaecoloog"], [GYN, JVK])
    assert result == QuorumResult(False, ("sociaal",), ())
    assert result.describe() == "Geen quorum: ontbreekt domein sociaal."


def test_everything_missing_is_named_in_the_order_required():
    result = quorum(DOMAINS, ["jeugdarts", "sociaal_werker"], [GYN])
    assert result == QuorumResult(False, ("jgz", "sociaal"), ("jeugdarts", "sociaal_werker"))
    assert result.describe() == "Geen quorum: ontbreekt domein jgz, sociaal; rol jeugdarts, sociaal_werker."
    # on the page: the labels, not the codes
    assert result.describe({"jgz": "Jeugdgezondheidszorg (JGZ)", "sociaal": "Sociaal domein"},
                           {"jeugdarts": "Jeugdarts", "sociaal_werker": "Sociaal werker"}) == (
        "Geen quorum: ontbreekt domein Jeugdgezondheidszorg (JGZ), Sociaal domein; rol Jeugdarts, Sociaal werker.")


def test_nobody_present_misses_everything_required():
    assert quorum(DOMAINS, ["jeugdarts"], []) == QuorumResult(False, DOMAINS, ("jeugdarts",))


def test_without_requirements_there_is_always_a_quorum():
    assert quorum([], [], []).met is True
    assert quorum([], [], [GYN]).met is True


def test_one_person_can_bring_a_domain_and_several_roles():
    # the chair is also kinderarts: one person covers zorg and both required roles
    assert quorum(["zorg"], ["mdo_voorzitter", "kinderarts"], [CHAIR]).met is True
    assert quorum(["zorg"], ["mdo_voorzitter", "gynaecoloog"], [CHAIR]) == QuorumResult(False, (), ("gynaecoloog",))


def test_a_role_of_another_domain_does_not_stand_in_for_the_domain():
    assert quorum(["jgz"], [], [person(6, "zorg", "jeugdarts")]) == QuorumResult(False, ("jgz",), ())


# ------------------------------------------------------------------ per agenda item

def test_presence_per_item_counts_only_for_the_items_listed():
    attendance = [(GYN, "aanwezig", None), (JVK, "aanwezig", None), (SW, "aanwezig", None),
                  (JEUGDARTS, "aanwezig", [10])]      # the jeugdarts stayed for item 10 only
    assert quorum(DOMAINS, ["jeugdarts"], present_for_item(attendance, 10)).met is True
    other = quorum(DOMAINS, ["jeugdarts"], present_for_item(attendance, 11))
    assert other == QuorumResult(False, (), ("jeugdarts",))


def test_presence_for_no_items_counts_for_none():
    attendance = [(GYN, "aanwezig", []), (JVK, "aanwezig", None), (SW, "aanwezig", None)]
    assert present_for_item(attendance, 10) == [JVK, SW]
    assert quorum(DOMAINS, [], present_for_item(attendance, 10)) == QuorumResult(False, ("zorg",), ())


def test_late_arrivals_count_absent_and_invited_people_do_not():
    assert set(PRESENT) == {"aanwezig", "te_laat"}
    attendance = [(GYN, "te_laat", None), (JVK, "afwezig", None), (SW, "uitgenodigd", None),
                  (JEUGDARTS, "aanwezig", [10])]
    assert present_for_item(attendance, 10) == [GYN, JEUGDARTS]
    assert quorum(DOMAINS, ["jeugdarts"], present_for_item(attendance, 10)) == QuorumResult(False, ("sociaal",), ())
    assert quorum(DOMAINS, ["jeugdarts"], present_for_item(attendance, 11)) == QuorumResult(
        False, ("jgz", "sociaal"), ("jeugdarts",))


def test_a_required_role_held_only_by_someone_absent_is_missing():
    attendance = [(GYN, "aanwezig", None), (JVK, "aanwezig", None), (SW, "aanwezig", None),
                  (JEUGDARTS, "afwezig", None)]
    assert quorum(DOMAINS, ["jeugdarts"], present_for_item(attendance, 10)) == QuorumResult(False, (), ("jeugdarts",))
