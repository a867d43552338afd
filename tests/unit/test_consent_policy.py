"""Tests of the pure consent / need-to-know policy (package ``consent``).

The core is an exhaustive matrix: every role x category x consent state x
involvement x break-the-glass (off/on) combination is decided by ``decide()``
and compared with an independent oracle: a hand-written need-to-know grid and
a literal outcome table, instead of the implementation's rule chain.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import (
    CATEGORIES,
    CATEGORY_LABELS,
    CONSENT_METHOD_LABELS,
    CONSENT_METHODS,
    CONSENT_REASONS,
    DEFAULT_NEED_TO_KNOW,
    DOMAIN_LABELS,
    DOMAINS,
    GRANT_STATUSES,
    GROUNDS,
    INVOLVEMENT_KINDS,
    PRESETS,
    PURPOSE_LABELS,
    PURPOSES,
    REASON_LABELS,
    ROLE_LABELS,
    ROLES,
    WITHHOLD_REASONS,
    BreakGlass,
    ConsentGrant,
    Decision,
    FamilyContext,
    PolicyError,
    Preset,
    Viewer,
    active_break_glass,
    add_months,
    decide,
    explain,
    format_date,
    get_preset,
    grant_status,
    merge_need_to_know,
    role_categories,
    summarise_consent,
    validate_consent,
)

UTC = timezone.utc
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

# ---------------------------------------------------------------------------
# Independent oracle, part 1: the need-to-know table as a literal grid.
# ---------------------------------------------------------------------------

GRID_COLUMNS = {
    "naw": "naw",
    "med": "medische_voorgeschiedenis",
    "ont": "ontwikkeling_risicos",
    "con": "consultverslagen",
    "ver": "verwijzingen",
    "ode": "overleg_derden",
    "dia": "diagnostiek",
    "mct": "medicatie",
    "mdo": "mdo_notulen",
    "zpl": "zorgplan",
}

NEED_TO_KNOW_GRID = """
role                   naw med ont con ver ode dia mct mdo zpl
gynaecoloog             X   X   X   X   X   X   X   X   X   X
verloskundige           X   X   X   X   X   X   X   X   X   X
kinderarts              X   X   X   X   X   X   X   X   X   X
mmw                     X   X   X   X   X   X   .   .   X   X
jeugdarts               X   X   X   X   X   X   X   X   X   X
jeugdverpleegkundige    X   X   X   X   X   X   X   X   X   X
sociaal_werker          X   .   X   X   X   X   .   .   X   X
planner                 X   .   .   .   .   .   .   .   .   .
informele_steun         X   .   .   .   .   .   .   .   .   .
mdo_voorzitter          X   .   X   X   X   X   .   .   X   X
projectleider           .   .   .   .   .   .   .   .   .   .
privacy_officer         .   .   .   .   .   .   .   .   .   .
beheerder               .   .   .   .   .   .   .   .   .   .
"""


def _parse_grid() -> dict[tuple[str, str], bool]:
    header, *rows = [line.split() for line in NEED_TO_KNOW_GRID.strip().splitlines()]
    columns = [GRID_COLUMNS[abbreviation] for abbreviation in header[1:]]
    cells = {}
    for role, *marks in rows:
        assert len(marks) == len(columns), role
        for category, mark in zip(columns, marks):
            assert mark in ("X", "."), (role, mark)
            cells[(role, category)] = mark == "X"
    return cells


ROLE_HAS = _parse_grid()
GRID_ROLES = tuple(dict.fromkeys(role for role, _ in ROLE_HAS))

# ---------------------------------------------------------------------------
# Independent oracle, part 2: expected outcome of an involved viewer per
# (role has category, own organisation, consent state, break-the-glass).
# Outcomes: "toon:<ground>" or "verberg:<reason>".
# ---------------------------------------------------------------------------

OUTCOME_TABLE = """
rol  eigen  toestemming  noodtoegang  uitkomst
nee  ja     gedekt       nee          verberg:niet_nodig_voor_rol
nee  ja     gedekt       ja           verberg:niet_nodig_voor_rol
nee  ja     ingetrokken  nee          verberg:niet_nodig_voor_rol
nee  ja     ingetrokken  ja           verberg:niet_nodig_voor_rol
nee  ja     verlopen     nee          verberg:niet_nodig_voor_rol
nee  ja     verlopen     ja           verberg:niet_nodig_voor_rol
nee  ja     geen         nee          verberg:niet_nodig_voor_rol
nee  ja     geen         ja           verberg:niet_nodig_voor_rol
nee  nee    gedekt       nee          verberg:niet_nodig_voor_rol
nee  nee    gedekt       ja           verberg:niet_nodig_voor_rol
nee  nee    ingetrokken  nee          verberg:niet_nodig_voor_rol
nee  nee    ingetrokken  ja           verberg:niet_nodig_voor_rol
nee  nee    verlopen     nee          verberg:niet_nodig_voor_rol
nee  nee    verlopen     ja           verberg:niet_nodig_voor_rol
nee  nee    geen         nee          verberg:niet_nodig_voor_rol
nee  nee    geen         ja           verberg:niet_nodig_voor_rol
ja   ja     gedekt       nee          toon:eigen_organisatie
ja   ja     gedekt       ja           toon:eigen_organisatie
ja   ja     ingetrokken  nee          toon:eigen_organisatie
ja   ja     ingetrokken  ja           toon:eigen_organisatie
ja   ja     verlopen     nee          toon:eigen_organisatie
ja   ja     verlopen     ja           toon:eigen_organisatie
ja   ja     geen         nee          toon:eigen_organisatie
ja   ja     geen         ja           toon:eigen_organisatie
ja   nee    gedekt       nee          toon:toestemming
ja   nee    gedekt       ja           toon:toestemming
ja   nee    ingetrokken  nee          verberg:toestemming_ingetrokken
ja   nee    ingetrokken  ja           toon:noodtoegang
ja   nee    verlopen     nee          verberg:toestemming_verlopen
ja   nee    verlopen     ja           toon:noodtoegang
ja   nee    geen         nee          verberg:geen_toestemming
ja   nee    geen         ja           toon:noodtoegang
"""


def _parse_outcomes() -> dict[tuple[bool, bool, str, bool], tuple[str, str]]:
    yes_no = {"ja": True, "nee": False}
    table = {}
    for line in OUTCOME_TABLE.strip().splitlines()[1:]:
        has_role, own, state, glass, outcome = line.split()
        kind, code = outcome.split(":")
        table[(yes_no[has_role], yes_no[own], state, yes_no[glass])] = (kind, code)
    assert len(table) == 2 * 2 * 4 * 2
    return table


OUTCOMES = _parse_outcomes()
NOT_INVOLVED_OUTCOME = ("verberg", "geen_betrokkenheid")

# ---------------------------------------------------------------------------
# The world of the matrix.
# ---------------------------------------------------------------------------

REGISTERING_ORG = 100
OTHER_ORG = 200  # the viewer's organisation when it is not the registering one
THIRD_ORG = 300
USER_ID = 7
FAMILY_ID = 55
PARENTS = frozenset({1, 2})
BREAK_GLASS_ID = 99

# The domain a viewer with this (single) role works in.
ROLE_DOMAIN = {
    "gynaecoloog": "zorg",
    "verloskundige": "zorg",
    "kinderarts": "zorg",
    "mmw": "zorg",
    "jeugdarts": "jgz",
    "jeugdverpleegkundige": "jgz",
    "sociaal_werker": "sociaal",
    "planner": "zorg",
    "informele_steun": "informeel",
    "mdo_voorzitter": "sociaal",
    "projectleider": "jgz",
    "privacy_officer": "zorg",
    "beheerder": "sociaal",
}
ANOTHER_DOMAIN = {"zorg": "sociaal", "jgz": "zorg", "sociaal": "jgz", "informeel": "zorg"}

# Every consent in the scenarios covers exactly these categories; the others
# are never consented to, so their consent state is always "geen".
CONSENTED = frozenset({"naw", "medische_voorgeschiedenis", "consultverslagen", "diagnostiek", "mdo_notulen", "zorgplan"})


@dataclass(frozen=True)
class Involvement:
    name: str
    own: bool
    kinds: frozenset[str]

    @property
    def direct(self) -> bool:
        """A direct care relationship: only this lets break-the-glass open anything."""
        return bool(self.kinds & {"registering_organisation", "coordinator", "core_team", "substitute"})


INVOLVEMENTS = (
    Involvement("eigen organisatie (aanmeldend)", True, frozenset({"registering_organisation"})),
    Involvement("andere organisatie, casusregisseur", False, frozenset({"coordinator"})),
    Involvement("andere organisatie, kernteam", False, frozenset({"core_team"})),
    Involvement("andere organisatie, vervanger", False, frozenset({"substitute"})),
    Involvement("andere organisatie, MDO-deelnemer", False, frozenset({"mdo_attendee"})),
    Involvement("andere organisatie, planner van het kernteam", False, frozenset({"team_planner"})),
    Involvement("andere organisatie, onbetrokken", False, frozenset()),
    Involvement("eigen organisatie, onbetrokken", True, frozenset()),
)


def grant(
    grant_id: int,
    *,
    org: int | None = None,
    domain: str | None = None,
    purpose: str = "zorg_en_ondersteuning",
    given: datetime = NOW - 30 * DAY,
    until: datetime | None = NOW + 300 * DAY,
    withdrawn: datetime | None = None,
    by: frozenset[int] = PARENTS,
    categories: frozenset[str] = CONSENTED,
) -> ConsentGrant:
    return ConsentGrant(
        id=grant_id,
        recipient_organisation_id=org,
        recipient_domain=domain,
        categories=categories,
        purpose=purpose,
        given_at=given,
        valid_until=until,
        withdrawn_at=withdrawn,
        given_by=by,
    )


Builder = Callable[[int, str], tuple[ConsentGrant, ...]]


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Builder  # (viewer organisation, viewer domain) -> consents
    state: str  # expected state of a consented category: gedekt/ingetrokken/verlopen/geen
    covering: frozenset[int] = frozenset()
    context: str = "zorg_en_ondersteuning"
    both_parents_required: bool = False
    parent_ids: frozenset[int] = PARENTS


MDO, OVERDRACHT = "mdo_bespreking", "warme_overdracht"

SCENARIOS = (
    Scenario("geen toestemming", lambda o, d: (), "geen"),
    Scenario("actief voor eigen organisatie van kijker", lambda o, d: (grant(1, org=o),), "gedekt", frozenset({1})),
    Scenario("actief voor domein van kijker", lambda o, d: (grant(2, domain=d),), "gedekt", frozenset({2})),
    Scenario("actief voor een andere organisatie", lambda o, d: (grant(3, org=THIRD_ORG),), "geen"),
    Scenario("actief voor een ander domein", lambda o, d: (grant(4, domain=ANOTHER_DOMAIN[d]),), "geen"),
    Scenario("ingetrokken", lambda o, d: (grant(5, org=o, withdrawn=NOW - DAY),), "ingetrokken"),
    Scenario(
        "intrekking pas in de toekomst",
        lambda o, d: (grant(6, org=o, withdrawn=NOW + DAY),),
        "gedekt",
        frozenset({6}),
    ),
    Scenario("verlopen", lambda o, d: (grant(7, domain=d, until=NOW - DAY),), "verlopen"),
    Scenario("nog niet geldig", lambda o, d: (grant(8, org=o, given=NOW + DAY),), "geen"),
    Scenario("zonder einddatum", lambda o, d: (grant(29, org=o, until=None),), "gedekt", frozenset({29})),
    Scenario("doel MDO, gelezen voor zorg", lambda o, d: (grant(9, domain=d, purpose=MDO),), "geen"),
    Scenario(
        "doel MDO, gelezen in het MDO",
        lambda o, d: (grant(10, domain=d, purpose=MDO),),
        "gedekt",
        frozenset({10}),
        context=MDO,
    ),
    Scenario("doel zorg, gelezen in het MDO", lambda o, d: (grant(11, org=o),), "gedekt", frozenset({11}), context=MDO),
    Scenario("doel overdracht, gelezen in het MDO", lambda o, d: (grant(12, org=o, purpose=OVERDRACHT),), "geen", context=MDO),
    # The handover context holds only for the coordinator or acting substitute while the family's
    # inward handover runs (FamilyContext.handover, False in this matrix): asking for that context
    # opens nothing. The cells with a running handover are in test_consent_purpose_binding.py.
    Scenario(
        "doel overdracht, buiten een lopende overdracht",
        lambda o, d: (grant(13, domain=d, purpose=OVERDRACHT),),
        "geen",
        context=OVERDRACHT,
    ),
    Scenario(
        "beide ouders vereist, één ouder gaf toestemming",
        lambda o, d: (grant(14, org=o, by=frozenset({1})),),
        "geen",
        both_parents_required=True,
    ),
    Scenario(
        "beide ouders vereist, beide gaven toestemming",
        lambda o, d: (grant(15, org=o, by=PARENTS),),
        "gedekt",
        frozenset({15}),
        both_parents_required=True,
    ),
    Scenario(
        "beide ouders vereist, geen ouders bekend",
        lambda o, d: (grant(16, org=o, by=frozenset()),),
        "gedekt",
        frozenset({16}),
        both_parents_required=True,
        parent_ids=frozenset(),
    ),
    Scenario(
        "één ouder, beide niet vereist",
        lambda o, d: (grant(17, org=o, by=frozenset({1})),),
        "gedekt",
        frozenset({17}),
    ),
    Scenario(
        "ingetrokken én verlopen (intrekking gaat voor)",
        lambda o, d: (grant(18, org=o, withdrawn=NOW - DAY), grant(19, domain=d, until=NOW - DAY)),
        "ingetrokken",
    ),
    Scenario(
        "verlopen én nog niet geldig",
        lambda o, d: (grant(20, org=o, until=NOW - DAY), grant(21, domain=d, given=NOW + DAY)),
        "verlopen",
    ),
    Scenario(
        "ingetrokken en daarna opnieuw gegeven",
        lambda o, d: (grant(22, org=o, withdrawn=NOW - 10 * DAY), grant(23, org=o, given=NOW - 5 * DAY)),
        "gedekt",
        frozenset({23}),
    ),
    Scenario(
        "twee actieve toestemmingen",
        lambda o, d: (grant(24, org=o), grant(25, domain=d)),
        "gedekt",
        frozenset({24, 25}),
    ),
    Scenario(
        "ingetrokken, maar voor een ander doel",
        lambda o, d: (grant(26, org=o, purpose=MDO, withdrawn=NOW - DAY),),
        "geen",
    ),
    Scenario(
        "verlopen, maar voor een andere organisatie",
        lambda o, d: (grant(27, org=THIRD_ORG, until=NOW - DAY),),
        "geen",
    ),
    Scenario(
        "ingetrokken, één ouder, beide vereist",
        lambda o, d: (grant(28, org=o, withdrawn=NOW - DAY, by=frozenset({2})),),
        "geen",
        both_parents_required=True,
    ),
)

BREAK_GLASS_STATES = (False, True)


def _viewer(role: str, own: bool) -> Viewer:
    organisation = REGISTERING_ORG if own else OTHER_ORG
    return Viewer(user_id=USER_ID, organisation_id=organisation, domain=ROLE_DOMAIN[role], roles=frozenset({role}))


def _break_glass() -> tuple[BreakGlass, ...]:
    return (BreakGlass(BREAK_GLASS_ID, USER_ID, FAMILY_ID, NOW - timedelta(hours=1), NOW + timedelta(hours=3)),)


def test_scenario_names_are_unique() -> None:
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    assert {s.state for s in SCENARIOS} == {"gedekt", "ingetrokken", "verlopen", "geen"}


def test_exhaustive_matrix_against_oracle() -> None:
    failures: list[str] = []
    cells = 0
    decisions = 0
    for role, involvement, scenario, glass_on in itertools.product(GRID_ROLES, INVOLVEMENTS, SCENARIOS, BREAK_GLASS_STATES):
        viewer = _viewer(role, involvement.own)
        family = FamilyContext(FAMILY_ID, REGISTERING_ORG, involvement.kinds, scenario.parent_ids)
        decision = decide(
            viewer,
            family,
            scenario.build(viewer.organisation_id, viewer.domain),
            NOW,
            break_glass=_break_glass() if glass_on else (),
            context=scenario.context,
            both_parents_required=scenario.both_parents_required,
        )
        decisions += 1
        where = f"{role} / {involvement.name} / {scenario.name} / noodtoegang={glass_on}"
        # involved only team-wide as planner: the planner's NAW at most (any other role: nothing)
        team_only = involvement.kinds == {"team_planner"}

        def has(category: str, role: str = role, team_only: bool = team_only) -> bool:
            if team_only:
                return role == "planner" and category == "naw" and ROLE_HAS[(role, category)]
            return ROLE_HAS[(role, category)]

        involved = bool(involvement.kinds) and any(has(c) for c in GRID_COLUMNS.values())

        expected: dict[str, tuple[str, str]] = {}
        for category in CATEGORIES:
            cells += 1
            if not involved:
                outcome = NOT_INVOLVED_OUTCOME
            else:
                state = scenario.state if category in CONSENTED else "geen"
                outcome = OUTCOMES[(has(category), involvement.own, state, glass_on and involvement.direct)]
            expected[category] = outcome
            kind, code = outcome
            if kind == "toon":
                ok = (
                    decision.may(category)
                    and category in decision.allowed
                    and decision.reason(category) is None
                    and category not in decision.withheld
                    and decision.grounds.get(category) == code
                )
            else:
                ok = (
                    not decision.may(category)
                    and category not in decision.allowed
                    and decision.reason(category) == code
                    and decision.withheld[category] == code
                    and category not in decision.grounds
                )
            if not ok:
                failures.append(
                    f"{where} / {category}: verwacht {outcome}, kreeg "
                    f"allowed={category in decision.allowed} reason={decision.reason(category)} "
                    f"grond={decision.grounds.get(category)}"
                )

        grounds_used = {code for kind, code in expected.values() if kind == "toon"}
        expected_ids = scenario.covering if "toestemming" in grounds_used else frozenset()
        expected_glass = BREAK_GLASS_ID if "noodtoegang" in grounds_used else None
        summary = (
            decision.involved == involved,
            decision.own_organisation == involvement.own,
            decision.consent_ids == expected_ids,
            decision.break_glass_id == expected_glass,
            decision.allowed | decision.withheld.keys() == set(CATEGORIES),
            not (decision.allowed & decision.withheld.keys()),
        )
        if not all(summary):
            failures.append(
                f"{where}: involved={decision.involved}/{involved} own={decision.own_organisation} "
                f"consent_ids={sorted(decision.consent_ids)}/{sorted(expected_ids)} "
                f"break_glass_id={decision.break_glass_id}/{expected_glass}"
            )

    expected_cells = len(ROLES) * len(CATEGORIES) * len(SCENARIOS) * len(INVOLVEMENTS) * len(BREAK_GLASS_STATES)
    print(f"\nconsent matrix cells checked: {cells} ({decisions} decisions)")
    assert not failures, f"{len(failures)} afwijkingen, eerste:\n" + "\n".join(failures[:25])
    assert cells == expected_cells == 13 * 10 * 26 * 8 * 2
    assert decisions * len(CATEGORIES) == cells


# ---------------------------------------------------------------------------
# Vocabulary contract.
# ---------------------------------------------------------------------------


def test_vocabulary_codes_are_the_contract() -> None:
    assert CATEGORIES == (
        "naw",
        "medische_voorgeschiedenis",
        "ontwikkeling_risicos",
        "consultverslagen",
        "verwijzingen",
        "overleg_derden",
        "diagnostiek",
        "medicatie",
        "mdo_notulen",
        "zorgplan",
    )
    assert ROLES == (
        "gynaecoloog",
        "verloskundige",
        "kinderarts",
        "mmw",
        "jeugdarts",
        "jeugdverpleegkundige",
        "sociaal_werker",
        "planner",
        "informele_steun",
        "mdo_voorzitter",
        "projectleider",
        "privacy_officer",
        "beheerder",
    )
    assert DOMAINS == ("zorg", "jgz", "sociaal", "informeel")
    assert PURPOSES == ("zorg_en_ondersteuning", "mdo_bespreking", "warme_overdracht")
    assert CONSENT_METHODS == ("schriftelijk", "mondeling_vastgelegd", "digitaal")
    assert set(WITHHOLD_REASONS) == {
        "geen_toestemming",
        "toestemming_ingetrokken",
        "toestemming_verlopen",
        "niet_nodig_voor_rol",
        "geen_betrokkenheid",
    }
    assert CONSENT_REASONS == {"geen_toestemming", "toestemming_ingetrokken", "toestemming_verlopen"}
    assert INVOLVEMENT_KINDS == ("registering_organisation", "coordinator", "core_team", "substitute", "mdo_attendee",
                                 "team_planner", "mdo_minute_taker")
    assert set(GROUNDS) == {"eigen_organisatie", "toestemming", "noodtoegang"}
    assert set(GRANT_STATUSES) == {"actief", "ingetrokken", "verlopen", "nog_niet_geldig"}
    assert set(GRID_ROLES) == set(ROLES) and set(GRID_COLUMNS.values()) == set(CATEGORIES)


def test_dutch_labels() -> None:
    assert CATEGORY_LABELS["naw"] == "NAW-gegevens (naam, adres, woonplaats)"
    assert CATEGORY_LABELS["mdo_notulen"] == "MDO-verslagen"
    assert ROLE_LABELS["mmw"] == "Medisch maatschappelijk werker"
    assert ROLE_LABELS["informele_steun"] == "Informele steun (vrijwilliger/ervaringsdeskundige)"
    assert ROLE_LABELS["mdo_voorzitter"] == "MDO-voorzitter"
    assert REASON_LABELS["toestemming_ingetrokken"] == "De ouders hebben hun toestemming ingetrokken"
    for labels, codes in (
        (CATEGORY_LABELS, CATEGORIES),
        (ROLE_LABELS, ROLES),
        (DOMAIN_LABELS, DOMAINS),
        (PURPOSE_LABELS, PURPOSES),
        (CONSENT_METHOD_LABELS, CONSENT_METHODS),
        (REASON_LABELS, WITHHOLD_REASONS),
    ):
        assert tuple(labels) == codes
        assert all(isinstance(text, str) and text for text in labels.values())


def test_labels_and_default_table_are_read_only() -> None:
    with pytest.raises(TypeError):
        CATEGORY_LABELS["naw"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        DEFAULT_NEED_TO_KNOW["planner"] = frozenset(CATEGORIES)  # type: ignore[index]


def test_default_need_to_know_equals_grid() -> None:
    for role in ROLES:
        assert DEFAULT_NEED_TO_KNOW[role] == {c for c in CATEGORIES if ROLE_HAS[(role, c)]}, role
        assert isinstance(DEFAULT_NEED_TO_KNOW[role], frozenset)


# ---------------------------------------------------------------------------
# Roles and the need-to-know table.
# ---------------------------------------------------------------------------


def _other_org_family(kinds: frozenset[str] = frozenset({"core_team"})) -> FamilyContext:
    return FamilyContext(FAMILY_ID, REGISTERING_ORG, kinds, PARENTS)


def test_union_of_roles() -> None:
    viewer = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"planner", "mdo_voorzitter"}))
    decision = decide(viewer, _other_org_family(), (), NOW)
    assert decision.allowed == DEFAULT_NEED_TO_KNOW["mdo_voorzitter"]
    assert decision.withheld_list() == [
        ("medische_voorgeschiedenis", "niet_nodig_voor_rol"),
        ("diagnostiek", "niet_nodig_voor_rol"),
        ("medicatie", "niet_nodig_voor_rol"),
    ]
    mixed = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"mmw", "sociaal_werker"}))
    assert decide(mixed, _other_org_family(), (), NOW).allowed == set(CATEGORIES) - {"diagnostiek", "medicatie"}


def test_a_role_without_data_does_not_shrink_the_union() -> None:
    viewer = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"projectleider", "planner"}))
    decision = decide(viewer, _other_org_family(), (), NOW)
    assert decision.involved and decision.allowed == {"naw"}


@pytest.mark.parametrize(
    "roles", [frozenset({"projectleider"}), frozenset({"beheerder", "privacy_officer"}), frozenset()]
)
def test_roles_without_family_data_are_not_involved(roles: frozenset[str]) -> None:
    viewer = Viewer(USER_ID, REGISTERING_ORG, "zorg", roles)
    decision = decide(viewer, _other_org_family(frozenset({"registering_organisation"})), (), NOW, break_glass=_break_glass())
    assert not decision.involved
    assert decision.own_organisation
    assert decision.allowed == frozenset() and decision.break_glass_id is None
    assert dict(decision.withheld) == {c: "geen_betrokkenheid" for c in CATEGORIES}


def test_role_categories() -> None:
    assert role_categories({"planner", "informele_steun"}) == {"naw"}
    assert role_categories([]) == frozenset()
    assert role_categories(["mmw"], {"mmw": frozenset({"naw", "onzin"})}) == {"naw"}
    assert role_categories(["jeugdarts"], {}) == frozenset()
    assert role_categories("planner") == {"naw"}
    with pytest.raises(PolicyError, match="'chirurg'"):
        role_categories({"chirurg"})


def test_merge_need_to_know() -> None:
    table = merge_need_to_know({"planner": ["naw", "zorgplan"], "beheerder": [], "mmw": "naw"})
    assert isinstance(table, dict) and set(table) == set(ROLES)
    assert table["planner"] == {"naw", "zorgplan"}
    assert table["beheerder"] == frozenset()
    assert table["mmw"] == {"naw"}
    assert table["jeugdarts"] == DEFAULT_NEED_TO_KNOW["jeugdarts"]
    assert DEFAULT_NEED_TO_KNOW["planner"] == {"naw"}  # the default is untouched
    assert merge_need_to_know({}) == dict(DEFAULT_NEED_TO_KNOW)

    viewer = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"planner"}))
    decision = decide(viewer, _other_org_family(), (), NOW, need_to_know=table)
    assert decision.allowed == {"naw", "zorgplan"}


def test_merge_need_to_know_rejects_unknown_codes() -> None:
    with pytest.raises(PolicyError, match="Onbekende rol.*'chirurg'"):
        merge_need_to_know({"chirurg": ["naw"]})
    with pytest.raises(PolicyError, match=r"Onbekende categorie voor rol 'planner': 'agenda'"):
        merge_need_to_know({"planner": ["naw", "agenda"]})
    assert issubclass(PolicyError, ValueError)


# ---------------------------------------------------------------------------
# Break-the-glass.
# ---------------------------------------------------------------------------

JEUGDARTS = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"jeugdarts"}))
MMW_OTHER = Viewer(USER_ID, OTHER_ORG, "zorg", frozenset({"mmw"}))


def _glass(glass_id: int = 5, *, user: int = USER_ID, family: int = FAMILY_ID, opened=NOW - DAY, expires=NOW + DAY):
    return BreakGlass(glass_id, user, family, opened, expires)


def test_break_glass_lifts_all_three_consent_reasons() -> None:
    consents = (
        grant(1, org=OTHER_ORG, categories=frozenset({"naw"})),
        grant(2, org=OTHER_ORG, categories=frozenset({"zorgplan"}), withdrawn=NOW - DAY),
        grant(3, org=OTHER_ORG, categories=frozenset({"medicatie"}), until=NOW - DAY),
    )
    without = decide(JEUGDARTS, _other_org_family(), consents, NOW)
    assert without.reason("zorgplan") == "toestemming_ingetrokken"
    assert without.reason("medicatie") == "toestemming_verlopen"
    assert without.reason("diagnostiek") == "geen_toestemming"
    assert without.consent_ids == {1} and without.break_glass_id is None

    decision = decide(JEUGDARTS, _other_org_family(), consents, NOW, break_glass=[_glass()])
    assert decision.allowed == set(CATEGORIES)
    assert decision.withheld == {}
    assert decision.break_glass_id == 5
    assert decision.consent_ids == {1}
    assert decision.grounds["naw"] == "toestemming"
    assert decision.grounds["zorgplan"] == decision.grounds["medicatie"] == "noodtoegang"


@pytest.mark.parametrize(
    "glass",
    [
        _glass(expires=NOW),  # expired exactly now
        _glass(opened=NOW - 3 * DAY, expires=NOW - DAY),  # expired
        _glass(opened=NOW + timedelta(seconds=1)),  # not opened yet
        _glass(user=USER_ID + 1),  # someone else's
        _glass(family=FAMILY_ID + 1),  # another family
    ],
    ids=["verloopt-nu", "verlopen", "nog-niet-geopend", "andere-gebruiker", "ander-gezin"],
)
def test_break_glass_that_does_not_apply(glass: BreakGlass) -> None:
    decision = decide(JEUGDARTS, _other_org_family(), (), NOW, break_glass=[glass])
    assert decision.allowed == frozenset()
    assert decision.break_glass_id is None
    assert set(decision.withheld.values()) == {"geen_toestemming"}


def test_break_glass_starts_at_opened_at() -> None:
    decision = decide(JEUGDARTS, _other_org_family(), (), NOW, break_glass=[_glass(opened=NOW)])
    assert decision.allowed == set(CATEGORIES) and decision.break_glass_id == 5


def test_break_glass_does_not_lift_need_to_know() -> None:
    decision = decide(MMW_OTHER, _other_org_family(), (), NOW, break_glass=[_glass()])
    assert decision.reason("diagnostiek") == decision.reason("medicatie") == "niet_nodig_voor_rol"
    assert decision.allowed == set(CATEGORIES) - {"diagnostiek", "medicatie"}
    assert decision.break_glass_id == 5


def test_break_glass_does_not_lift_missing_involvement() -> None:
    decision = decide(JEUGDARTS, _other_org_family(frozenset()), (), NOW, break_glass=[_glass()])
    assert not decision.involved and decision.break_glass_id is None
    assert set(decision.withheld.values()) == {"geen_betrokkenheid"}


def test_break_glass_id_only_when_it_was_needed() -> None:
    own = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"kinderarts"}))
    assert decide(own, _other_org_family(), (), NOW, break_glass=[_glass()]).break_glass_id is None
    everything = (grant(1, org=OTHER_ORG, categories=frozenset(CATEGORIES)),)
    decision = decide(JEUGDARTS, _other_org_family(), everything, NOW, break_glass=[_glass()])
    assert decision.break_glass_id is None and decision.consent_ids == {1}


def test_latest_expiring_break_glass_is_used() -> None:
    glasses = [_glass(9, expires=NOW + DAY), _glass(2, expires=NOW + 2 * DAY), _glass(4, expires=NOW + DAY)]
    assert decide(JEUGDARTS, _other_org_family(), (), NOW, break_glass=iter(glasses)).break_glass_id == 2
    assert active_break_glass(JEUGDARTS, _other_org_family(), [], NOW) is None
    # Equal expiry: the highest id wins, so the choice does not depend on input order.
    assert active_break_glass(JEUGDARTS, _other_org_family(), glasses[::-2], NOW).id == 9


# ---------------------------------------------------------------------------
# Boundaries and time handling.
# ---------------------------------------------------------------------------


def _one(**changes) -> ConsentGrant:
    return grant(1, org=OTHER_ORG, categories=frozenset({"naw"}), **changes)


def _naw(consent: ConsentGrant, at: datetime) -> tuple[bool, str | None]:
    decision = decide(JEUGDARTS, _other_org_family(), [consent], at)
    return decision.may("naw"), decision.reason("naw")


def test_boundary_given_at_is_inclusive() -> None:
    assert _naw(_one(given=NOW), NOW) == (True, None)
    assert _naw(_one(given=NOW), NOW - timedelta(microseconds=1)) == (False, "geen_toestemming")


def test_boundary_valid_until_is_exclusive() -> None:
    assert _naw(_one(until=NOW), NOW - timedelta(microseconds=1)) == (True, None)
    assert _naw(_one(until=NOW), NOW) == (False, "toestemming_verlopen")


def test_boundary_withdrawn_at_is_exclusive() -> None:
    assert _naw(_one(withdrawn=NOW), NOW - timedelta(microseconds=1)) == (True, None)
    assert _naw(_one(withdrawn=NOW), NOW) == (False, "toestemming_ingetrokken")


def test_other_timezones_compare_correctly() -> None:
    amsterdam_summer = timezone(timedelta(hours=2))
    at = datetime(2025, 6, 15, 14, 0, tzinfo=amsterdam_summer)  # == NOW
    assert _naw(_one(until=NOW), at) == (False, "toestemming_verlopen")


class _NoOffset(tzinfo):
    def utcoffset(self, dt):  # noqa: ANN001, ANN201
        return None


@pytest.mark.parametrize("at", [datetime(2025, 6, 15, 12, 0), datetime(2025, 6, 15, tzinfo=_NoOffset())])
def test_naive_at_is_rejected(at: datetime) -> None:
    with pytest.raises(ValueError, match="tijdzone"):
        decide(JEUGDARTS, _other_org_family(), (), at)


def test_non_datetime_at_is_rejected() -> None:
    with pytest.raises(TypeError, match="datetime"):
        decide(JEUGDARTS, _other_org_family(), (), NOW.date())  # type: ignore[arg-type]


@pytest.mark.parametrize("field_name", ["given", "until", "withdrawn"])
def test_naive_consent_datetimes_are_rejected(field_name: str) -> None:
    with pytest.raises(ValueError, match=field_name.replace("given", "given_at")):
        grant(1, org=1, **{field_name: datetime(2025, 1, 1)})


@pytest.mark.parametrize("field_name", ["opened", "expires"])
def test_naive_break_glass_datetimes_are_rejected(field_name: str) -> None:
    with pytest.raises(ValueError, match=f"{field_name}_at"):
        _glass(**{field_name: datetime(2025, 1, 1)})


def test_unknown_context_is_rejected() -> None:
    with pytest.raises(PolicyError, match="'koffie'"):
        decide(JEUGDARTS, _other_org_family(), (), NOW, context="koffie")


# ---------------------------------------------------------------------------
# Input dataclasses.
# ---------------------------------------------------------------------------


def test_input_validation() -> None:
    with pytest.raises(PolicyError, match="'ruimte'"):
        Viewer(1, 1, "ruimte", frozenset({"mmw"}))
    with pytest.raises(PolicyError, match="'chirurg'"):
        Viewer(1, 1, "zorg", frozenset({"chirurg"}))
    with pytest.raises(PolicyError, match="'buurman'"):
        FamilyContext(1, 1, frozenset({"buurman"}))
    with pytest.raises(PolicyError, match="'ruimte'"):
        grant(1, domain="ruimte")
    with pytest.raises(PolicyError, match="'koffie'"):
        grant(1, org=1, purpose="koffie")
    with pytest.raises(PolicyError, match="'agenda'"):
        grant(1, org=1, categories=frozenset({"agenda"}))


def test_inputs_are_frozen_and_normalised() -> None:
    viewer = Viewer(1, 2, "zorg", ["mmw", "mmw"])  # type: ignore[arg-type]
    assert viewer.roles == frozenset({"mmw"}) and isinstance(viewer.roles, frozenset)
    assert Viewer(1, 2, "zorg", "mmw").roles == {"mmw"}  # type: ignore[arg-type]
    family = FamilyContext(1, 2, ["core_team"], [3, 4])  # type: ignore[arg-type]
    assert isinstance(family.involvement, frozenset) and family.parent_ids == {3, 4}
    consent = ConsentGrant(1, 2, None, ["naw"], "zorg_en_ondersteuning", NOW, None, given_by=[1])  # type: ignore[arg-type]
    assert consent.categories == {"naw"} and consent.given_by == {1}
    with pytest.raises(FrozenInstanceError):
        viewer.domain = "jgz"  # type: ignore[misc]


def test_grant_status() -> None:
    assert grant_status(_one(), NOW) == "actief"
    assert grant_status(_one(until=None), NOW) == "actief"
    assert grant_status(_one(withdrawn=NOW, until=NOW), NOW) == "ingetrokken"
    assert grant_status(_one(until=NOW), NOW) == "verlopen"
    assert grant_status(_one(given=NOW + DAY), NOW) == "nog_niet_geldig"
    with pytest.raises(ValueError):
        grant_status(_one(), datetime(2025, 1, 1))


# ---------------------------------------------------------------------------
# The Decision value.
# ---------------------------------------------------------------------------


def test_decision_helpers_and_immutability() -> None:
    consents = (grant(1, org=OTHER_ORG, categories=frozenset({"naw", "zorgplan"})),)
    decision = decide(MMW_OTHER, _other_org_family(), consents, NOW)
    assert decision.may("naw") and not decision.may("medicatie")
    assert decision.reason("naw") is None
    assert decision.reason("medicatie") == "niet_nodig_voor_rol"
    assert decision.reason("verwijzingen") == "geen_toestemming"
    assert [c for c, _ in decision.withheld_list()] == [c for c in CATEGORIES if c not in {"naw", "zorgplan"}]
    assert isinstance(decision.withheld, MappingProxyType)
    with pytest.raises(TypeError):
        decision.withheld["naw"] = "x"  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        decision.allowed = frozenset()  # type: ignore[misc]
    with pytest.raises(PolicyError, match="'agenda'"):
        decision.may("agenda")
    with pytest.raises(PolicyError, match="'agenda'"):
        decision.reason("agenda")


def test_decision_is_hashable_and_comparable() -> None:
    a = decide(MMW_OTHER, _other_org_family(), (), NOW)
    b = decide(MMW_OTHER, _other_org_family(), [], NOW)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != replace(a, own_organisation=True)


def test_decision_constructor_orders_and_validates() -> None:
    decision = Decision(True, {"naw"}, {"zorgplan": "geen_toestemming", "medicatie": "niet_nodig_voor_rol"}, [4])
    assert list(decision.withheld) == ["medicatie", "zorgplan"]
    assert decision.consent_ids == {4} and decision.grounds == {}
    with pytest.raises(PolicyError, match="'misschien'"):
        Decision(True, frozenset(), {"naw": "misschien"})
    with pytest.raises(PolicyError, match="'agenda'"):
        Decision(True, frozenset(), {"agenda": "geen_toestemming"})
    with pytest.raises(PolicyError, match="'agenda'"):
        Decision(True, frozenset({"agenda"}), {})
    with pytest.raises(PolicyError, match="'gok'"):
        Decision(True, frozenset({"naw"}), {}, grounds={"naw": "gok"})


# ---------------------------------------------------------------------------
# explain()
# ---------------------------------------------------------------------------


def test_explain_not_involved() -> None:
    decision = decide(JEUGDARTS, _other_org_family(frozenset()), (), NOW)
    assert explain(decision) == ["U bent niet betrokken bij dit gezin; daarom worden er geen gegevens getoond."]


def test_explain_own_organisation() -> None:
    viewer = Viewer(USER_ID, REGISTERING_ORG, "zorg", frozenset({"planner"}))
    lines = explain(decide(viewer, _other_org_family(), (), NOW))
    assert lines[0] == "Getoond omdat het gezin is aangemeld bij uw eigen organisatie: NAW-gegevens (naam, adres, woonplaats)."
    assert lines[1] == "Niet getoond: Medische voorgeschiedenis. Deze gegevens zijn niet nodig voor uw rol."
    assert len(lines) == 1 + 9


def test_explain_consent_break_glass_and_reasons() -> None:
    consents = (
        grant(12, org=OTHER_ORG, categories=frozenset({"naw", "zorgplan"})),
        grant(3, domain="zorg", categories=frozenset({"naw", "mdo_notulen"})),
        grant(4, org=OTHER_ORG, categories=frozenset({"verwijzingen"}), withdrawn=NOW - DAY),
    )
    lines = explain(decide(MMW_OTHER, _other_org_family(), consents, NOW))
    assert lines[0] == (
        "Getoond op grond van toestemming van de ouders (nr. 3 en 12): "
        "NAW-gegevens (naam, adres, woonplaats), MDO-verslagen en gezinsplan."
    )
    assert "Niet getoond: Verwijzingen. De ouders hebben hun toestemming ingetrokken." in lines
    assert "Niet getoond: Diagnostiek. Deze gegevens zijn niet nodig voor uw rol." in lines
    assert all(line.startswith("Niet getoond: ") for line in lines[1:])

    with_glass = explain(decide(MMW_OTHER, _other_org_family(), consents, NOW, break_glass=[_glass(77)]))
    assert with_glass[1] == (
        "Getoond via noodtoegang (break-the-glass, nr. 77); deze inzage wordt extra gecontroleerd: "
        "medische voorgeschiedenis, ontwikkeling en risico's, consultverslagen, verwijzingen en overleg met derden."
    )
    assert with_glass[2:] == [
        "Niet getoond: Diagnostiek. Deze gegevens zijn niet nodig voor uw rol.",
        "Niet getoond: Medicatie. Deze gegevens zijn niet nodig voor uw rol.",
    ]


# ---------------------------------------------------------------------------
# summarise_consent()
# ---------------------------------------------------------------------------

NAMES = {200: "Ziekenhuis Rivierenland", 300: "GGD Noord"}


def test_summary_for_an_organisation() -> None:
    consent = grant(
        1,
        org=200,
        categories=frozenset({"zorgplan", "naw", "ontwikkeling_risicos"}),
        until=datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
    )
    assert summarise_consent(consent, NAMES) == (
        "U geeft toestemming dat Ziekenhuis Rivierenland de volgende gegevens mag inzien: "
        "NAW-gegevens (naam, adres, woonplaats), ontwikkeling en risico's en gezinsplan "
        "voor de zorg en ondersteuning van uw gezin, tot 05-03-2026. "
        "U kunt deze toestemming altijd intrekken."
    )


def test_summary_for_a_domain_without_end_date() -> None:
    consent = grant(2, domain="jgz", purpose=MDO, categories=frozenset({"mdo_notulen"}), until=None)
    assert summarise_consent(consent, NAMES) == (
        "U geeft toestemming dat de medewerkers van de jeugdgezondheidszorg (het consultatiebureau) "
        "de volgende gegevens mogen inzien: MDO-verslagen voor de bespreking van uw gezin in het "
        "multidisciplinair overleg (MDO), zonder einddatum. U kunt deze toestemming altijd intrekken."
    )


def test_summary_with_unknown_organisation_and_domain() -> None:
    consent = grant(3, org=999, domain="sociaal", purpose=OVERDRACHT, categories=frozenset({"naw"}))
    text = summarise_consent(consent, {})
    assert text.startswith(
        "U geeft toestemming dat de organisatie met nummer 999 en de professionals van het sociaal domein"
    )
    assert "mogen inzien: NAW-gegevens (naam, adres, woonplaats) voor de warme overdracht" in text


def test_summary_dates_are_dutch_local_dd_mm_yyyy() -> None:
    late = grant(4, org=200, until=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert "tot 01-01-2026." in summarise_consent(late, NAMES)  # 00:30 in Amsterdam
    assert "tot 31-12-2025." in summarise_consent(late, NAMES, tz=UTC)
    assert format_date(datetime(2025, 2, 3, 10, tzinfo=UTC)) == "03-02-2025"


def test_summary_of_an_unusable_grant_is_refused() -> None:
    with pytest.raises(PolicyError, match="ontvanger"):
        summarise_consent(grant(5), NAMES)
    with pytest.raises(PolicyError, match="gegevens"):
        summarise_consent(grant(6, org=200, categories=frozenset()), NAMES)


# ---------------------------------------------------------------------------
# validate_consent()
# ---------------------------------------------------------------------------

VALID = dict(
    recipient_organisation_id=200,
    recipient_domain=None,
    categories=["naw", "zorgplan"],
    purpose="zorg_en_ondersteuning",
    method="schriftelijk",
    given_at=NOW,
    valid_until=NOW + 365 * DAY,
)


def _errors(**changes) -> dict[str, str]:
    return validate_consent(**{**VALID, **changes})


def test_valid_consents_have_no_errors() -> None:
    assert _errors() == {}
    assert _errors(recipient_organisation_id=None, recipient_domain="informeel", categories="naw") == {}
    assert _errors(valid_until=None, method="digitaal", purpose="warme_overdracht") == {}
    assert _errors(categories=("naw",), recipient_domain="") == {}


@pytest.mark.parametrize(
    ("changes", "field_name", "message"),
    [
        ({"categories": []}, "categories", "Kies ten minste één categorie."),
        ({"categories": None}, "categories", "Kies ten minste één categorie."),
        ({"categories": ["naw", "agenda"]}, "categories", "Onbekende categorie: 'agenda'."),
        ({"categories": ["bsn", "agenda"]}, "categories", "Onbekende categorieën: 'bsn', 'agenda'."),
        (
            {"recipient_organisation_id": None},
            "recipient",
            "Kies een ontvanger: een organisatie of een domein.",
        ),
        (
            {"recipient_domain": "jgz"},
            "recipient",
            "Kies één soort ontvanger: een organisatie óf een domein, niet allebei.",
        ),
        ({"recipient_organisation_id": None, "recipient_domain": "ruimte"}, "recipient", "Onbekend domein: 'ruimte'."),
        ({"recipient_organisation_id": 0}, "recipient", "Kies een bestaande organisatie."),
        ({"recipient_organisation_id": "200"}, "recipient", "Kies een bestaande organisatie."),
        ({"recipient_organisation_id": True}, "recipient", "Kies een bestaande organisatie."),
        ({"purpose": "koffie"}, "purpose", "Onbekend doel: 'koffie'."),
        ({"purpose": None}, "purpose", "Onbekend doel: None."),
        ({"method": "telepathie"}, "method", "Onbekende manier van vastleggen: 'telepathie'."),
        ({"given_at": None}, "given_at", "Vul in wanneer de toestemming is gegeven."),
        ({"given_at": "gisteren"}, "given_at", "Vul een geldige datum en tijd in."),
        ({"given_at": datetime(2025, 1, 1)}, "given_at", "Datum en tijd moeten een tijdzone hebben."),
        ({"valid_until": datetime(2026, 1, 1)}, "valid_until", "Datum en tijd moeten een tijdzone hebben."),
        ({"valid_until": NOW}, "valid_until", "'Geldig tot' moet na 'gegeven op' liggen."),
        ({"valid_until": NOW - DAY}, "valid_until", "'Geldig tot' moet na 'gegeven op' liggen."),
    ],
)
def test_each_validation_error(changes: dict, field_name: str, message: str) -> None:
    assert _errors(**changes) == {field_name: message}


def test_validation_reports_all_fields_at_once() -> None:
    errors = validate_consent(None, None, [], "x", "y", None, None)
    assert set(errors) == {"recipient", "categories", "purpose", "method", "given_at"}
    # A broken 'gegeven op' is not compared with 'geldig tot'.
    assert _errors(given_at=datetime(2030, 1, 1)) == {"given_at": "Datum en tijd moeten een tijdzone hebben."}


# ---------------------------------------------------------------------------
# Presets.
# ---------------------------------------------------------------------------


def test_presets() -> None:
    codes = [p.code for p in PRESETS]
    assert codes[:2] == ["kernteam", "mdo"] and "informele_steun" in codes and len(set(codes)) == len(codes)
    kernteam = get_preset("kernteam")
    assert kernteam.label == "Kernteam IGP: zorg + JGZ + sociaal"
    assert kernteam.domains == ("zorg", "jgz", "sociaal")
    assert "medicatie" not in kernteam.categories and "diagnostiek" not in kernteam.categories
    assert kernteam.purpose == "zorg_en_ondersteuning" and kernteam.valid_months == 12
    mdo = get_preset("mdo")
    assert mdo.categories == ("naw", "ontwikkeling_risicos", "verwijzingen", "mdo_notulen", "zorgplan")
    assert mdo.purpose == "mdo_bespreking"
    informal = get_preset("informele_steun")
    assert (informal.domains, informal.categories, informal.purpose) == (("informeel",), ("naw",), "zorg_en_ondersteuning")
    for preset in PRESETS:
        for domain in preset.domains:
            assert validate_consent(None, domain, preset.categories, preset.purpose, "digitaal", NOW, None) == {}
    with pytest.raises(PolicyError, match="'niets'"):
        get_preset("niets")


def test_preset_validation_and_order() -> None:
    preset = Preset("x", "X", ("sociaal", "zorg"), ("zorgplan", "naw"), "mdo_bespreking", valid_months=1)
    assert preset.domains == ("zorg", "sociaal") and preset.categories == ("naw", "zorgplan")
    assert preset.valid_until_from(datetime(2025, 1, 31, 9, tzinfo=UTC)) == datetime(2025, 2, 28, 9, tzinfo=UTC)
    with pytest.raises(ValueError):
        preset.valid_until_from(datetime(2025, 1, 31))
    for bad in (
        dict(domains=("ruimte",)),
        dict(categories=("agenda",)),
        dict(domains=()),
        dict(categories=()),
        dict(purpose="koffie"),
        dict(valid_months=0),
    ):
        with pytest.raises(PolicyError):
            replace(preset, **bad)


def test_add_months() -> None:
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 15, tzinfo=UTC), 3) == datetime(2026, 2, 15, tzinfo=UTC)
    assert add_months(datetime(2025, 12, 31, tzinfo=UTC), 12) == datetime(2026, 12, 31, tzinfo=UTC)
    assert get_preset("kernteam").valid_until_from(NOW) == NOW.replace(year=2026)


# ---------------------------------------------------------------------------
# Properties over random inputs.
# ---------------------------------------------------------------------------

moments = st.integers(min_value=-5, max_value=5).map(lambda days: NOW + days * DAY)
grants = st.builds(
    ConsentGrant,
    id=st.integers(1, 50),
    recipient_organisation_id=st.sampled_from([None, REGISTERING_ORG, OTHER_ORG, THIRD_ORG]),
    recipient_domain=st.sampled_from([None, *DOMAINS]),
    categories=st.frozensets(st.sampled_from(CATEGORIES)),
    purpose=st.sampled_from(PURPOSES),
    given_at=moments,
    valid_until=st.one_of(st.none(), moments),
    withdrawn_at=st.one_of(st.none(), moments),
    given_by=st.frozensets(st.sampled_from([1, 2])),
)


@settings(max_examples=300, deadline=None)
@given(
    roles=st.frozensets(st.sampled_from(ROLES), max_size=3),
    domain=st.sampled_from(DOMAINS),
    organisation=st.sampled_from([REGISTERING_ORG, OTHER_ORG]),
    kinds=st.frozensets(st.sampled_from(INVOLVEMENT_KINDS), max_size=2),
    consents=st.lists(grants, max_size=4),
    context=st.sampled_from(PURPOSES),
    both=st.booleans(),
)
def test_properties(roles, domain, organisation, kinds, consents, context, both) -> None:  # noqa: ANN001
    viewer = Viewer(USER_ID, organisation, domain, roles)
    family = FamilyContext(FAMILY_ID, REGISTERING_ORG, kinds, PARENTS)
    kwargs = dict(context=context, both_parents_required=both)
    plain = decide(viewer, family, consents, NOW, **kwargs)
    glass = decide(viewer, family, consents, NOW, break_glass=_break_glass(), **kwargs)

    assert plain.allowed | plain.withheld.keys() == set(CATEGORIES)
    assert not plain.allowed & plain.withheld.keys()
    # the MDO's minute taker needs the family's MDO minutes in the MDO context, whatever her role
    taking = {"mdo_notulen"} if "mdo_minute_taker" in kinds and context == "mdo_bespreking" \
        and role_categories(roles) else set()
    needed = (role_categories(roles) if not kinds <= {"team_planner", "mdo_minute_taker"}
              else role_categories(roles & {"planner"}) & {"naw"}) | taking
    assert plain.allowed <= role_categories(roles) | taking
    assert plain.consent_ids <= {c.id for c in consents}
    if kinds <= {"team_planner", "mdo_minute_taker"}:   # team-wide planner only: NAW at most (and minutes)
        assert plain.allowed <= {"naw"} | taking
    elif plain.own_organisation and plain.involved:
        assert plain.allowed == needed and not plain.consent_ids
    # Break-the-glass only ever turns consent reasons into "allowed", and only for a direct care
    # relationship; what it opens may be read, never written.
    direct = bool(kinds & {"registering_organisation", "coordinator", "core_team", "substitute"})
    for category in CATEGORIES:
        if plain.reason(category) in CONSENT_REASONS and direct:
            assert glass.may(category) and not glass.may_write(category)
        else:
            assert glass.reason(category) == plain.reason(category)
            assert glass.may_write(category) == plain.may_write(category) == plain.may(category)
    assert (glass.break_glass_id is not None) == (direct and any(r in CONSENT_REASONS for r in plain.withheld.values()))
    # Without any consent nothing is shown to another organisation.
    if not plain.own_organisation:
        assert decide(viewer, family, (), NOW, **kwargs).allowed == frozenset()


# ---------------------------------------------------------------------------
# Break-the-glass follows a direct care relationship, and opens reading only.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kinds", [frozenset({"mdo_attendee"}), frozenset({"team_planner"}),
                                   frozenset({"mdo_attendee", "team_planner"})])
def test_break_glass_without_a_care_relationship_opens_nothing(kinds) -> None:
    viewer = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"jeugdarts", "planner"}))
    decision = decide(viewer, _other_org_family(kinds), (), NOW, break_glass=[_glass()])
    assert decision.involved
    assert decision.allowed == frozenset()
    assert "geen_toestemming" in set(decision.withheld.values())   # still withheld: not opened
    assert decision.break_glass_id is None


@pytest.mark.parametrize("kind", ["registering_organisation", "coordinator", "core_team", "substitute"])
def test_break_glass_with_a_care_relationship_opens_reading_not_writing(kind) -> None:
    consents = [grant(1, org=OTHER_ORG, categories=frozenset({"naw"}))]
    decision = decide(JEUGDARTS, _other_org_family(frozenset({kind})), consents, NOW, break_glass=[_glass()])
    assert decision.allowed == set(CATEGORIES)
    assert decision.may_write("naw")            # by consent
    assert not decision.may_write("consultverslagen")  # only by break-the-glass
    assert decision.by_break_glass == set(CATEGORIES) - {"naw"}


def test_has_direct_care() -> None:
    from consent import has_direct_care

    assert not has_direct_care(())
    assert not has_direct_care({"mdo_attendee", "team_planner"})
    assert all(has_direct_care({k}) for k in ("registering_organisation", "coordinator", "core_team", "substitute"))


def test_covers_context_for_the_mdo() -> None:
    from consent import covers_context

    general = grant(1, org=OTHER_ORG)
    mdo = grant(2, org=OTHER_ORG, purpose=MDO)
    handover = grant(3, org=OTHER_ORG, purpose="warme_overdracht")
    assert covers_context([general], MDO, NOW)
    assert covers_context([mdo], MDO, NOW)
    assert not covers_context([handover], MDO, NOW)
    assert not covers_context([grant(4, org=OTHER_ORG, withdrawn=NOW - DAY)], MDO, NOW)
    assert not covers_context([grant(5, org=OTHER_ORG, until=NOW - DAY)], MDO, NOW)
    assert not covers_context([], MDO, NOW)
    with pytest.raises(PolicyError):
        covers_context([general], "koffie", NOW)


def test_team_wide_planner_reads_naw_at_most_whatever_her_other_roles_or_the_table() -> None:
    """Review R2: planner + jeugdverpleegkundige, involved only team-wide, or a need-to-know table
    that gives planners everything: NAW only. With a care relationship the other role counts."""
    everything = (grant(1, domain="jgz", categories=frozenset(CATEGORIES)),)
    both = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"planner", "jeugdverpleegkundige"}))
    team_only = decide(both, _other_org_family(frozenset({"team_planner"})), everything, NOW)
    assert team_only.allowed == {"naw"}
    assert team_only.reason("consultverslagen") == "niet_nodig_voor_rol"
    in_core = decide(both, _other_org_family(frozenset({"team_planner", "core_team"})), everything, NOW)
    assert in_core.allowed == set(CATEGORIES)
    wide = merge_need_to_know({"planner": list(CATEGORIES)})
    planner = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"planner"}))
    assert decide(planner, _other_org_family(frozenset({"team_planner"})), everything, NOW,
                  need_to_know=wide).allowed == {"naw"}


def test_the_mdo_minute_taker_needs_the_minutes_in_the_mdo_context_only() -> None:
    """The planner as the MDO's notulist: the family's MDO minutes under a consent that covers the
    MDO for her domain, in the MDO context; nothing more, and nothing outside it; a role that sees
    no family data gains none by taking minutes."""
    grant = ConsentGrant(1, None, "jgz", frozenset({"mdo_notulen", "naw", "consultverslagen"}),
                         "zorg_en_ondersteuning", NOW - timedelta(days=1), None, None)
    family = FamilyContext(FAMILY_ID, REGISTERING_ORG, frozenset({"team_planner", "mdo_minute_taker"}), PARENTS)
    planner = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"planner"}))
    assert decide(planner, family, [grant], NOW, context="mdo_bespreking").allowed == {"naw", "mdo_notulen"}
    assert decide(planner, family, [grant], NOW).allowed == {"naw"}
    assert decide(planner, family, [], NOW, context="mdo_bespreking").allowed == set()
    lead = Viewer(USER_ID, OTHER_ORG, "jgz", frozenset({"projectleider"}))
    only_taker = FamilyContext(FAMILY_ID, REGISTERING_ORG, frozenset({"mdo_minute_taker"}), PARENTS)
    assert not decide(lead, only_taker, [grant], NOW, context="mdo_bespreking").involved
