"""How a consent's purpose binds reads: the README's table "doel x leescontext", every cell, and
the handover rule (the coordinator or acting substitute while the family's inward handover runs).
Also: presets ask per domain only what that domain's roles may see (need-to-know)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import (
    CATEGORIES,
    DEFAULT_NEED_TO_KNOW,
    DOMAIN_ROLES,
    DOMAINS,
    HANDOVER_KINDS,
    INVOLVEMENT_KINDS,
    PRESETS,
    PURPOSE_CONTEXTS,
    PURPOSES,
    ROLES,
    ConsentGrant,
    FamilyContext,
    PolicyError,
    Viewer,
    covers_context,
    decide,
    describe_preset,
    domain_categories,
    get_preset,
    in_handover_context,
    may_coordinate,
    merge_need_to_know,
    preset_categories,
    reading_contexts,
    role_categories,
)

UTC = timezone.utc
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
REGISTERING_ORG, JGZ_ORG = 1, 2
NURSE = Viewer(user_id=7, organisation_id=JGZ_ORG, domain="jgz", roles=frozenset({"jeugdverpleegkundige"}))
CONSENTED = frozenset({"naw", "ontwikkeling_risicos", "zorgplan"})

# The README's table, literally: purpose -> column -> does a consent of that purpose open the read?
COLUMNS = ("dossier", "mdo", "warme_overdracht", "toewijzing")
TABLE = {
    "zorg_en_ondersteuning": {"dossier": True, "mdo": True, "warme_overdracht": True, "toewijzing": True},
    "mdo_bespreking": {"dossier": False, "mdo": True, "warme_overdracht": False, "toewijzing": False},
    "warme_overdracht": {"dossier": False, "mdo": False, "warme_overdracht": True, "toewijzing": True},
}
CELLS = [(purpose, column, TABLE[purpose][column]) for purpose in PURPOSES for column in COLUMNS]


def _grant(purpose: str, *, until: datetime | None = NOW + 90 * DAY, withdrawn: datetime | None = None,
           domain: str | None = "jgz", org: int | None = None) -> ConsentGrant:
    return ConsentGrant(id=1, recipient_organisation_id=org, recipient_domain=domain, categories=CONSENTED,
                        purpose=purpose, given_at=NOW - DAY, valid_until=until, withdrawn_at=withdrawn)


def _family(kinds: set[str], handover: bool = True) -> FamilyContext:
    return FamilyContext(family_id=3, registering_organisation_id=REGISTERING_ORG, involvement=frozenset(kinds),
                         handover=handover)


def _shown(kinds: set[str], grants, *, context: str = "zorg_en_ondersteuning", handover: bool = True,
           viewer: Viewer = NURSE) -> frozenset[str]:
    return decide(viewer, _family(kinds, handover), grants, NOW, context=context).allowed


def _cell(purpose: str, column: str) -> bool:
    """Whether a consent of ``purpose`` opens the read of ``column`` (the family's handover runs)."""
    grants = [_grant(purpose)]
    if column == "dossier":      # the family's record and lists, read by a core-team member
        return _shown({"core_team"}, grants) == CONSENTED
    if column == "mdo":          # read in the MDO, even by the coordinator during the handover
        return _shown({"coordinator", "mdo_attendee"}, grants, context="mdo_bespreking") == CONSENTED
    if column == "warme_overdracht":   # the coordinator's general read during the handover
        return _shown({"coordinator"}, grants) == CONSENTED
    return may_coordinate(NURSE, _family(set()), grants, NOW)


def test_the_table_covers_every_purpose_and_is_the_policy_table() -> None:
    assert set(TABLE) == set(PURPOSES) == set(PURPOSE_CONTEXTS)
    assert PURPOSE_CONTEXTS["zorg_en_ondersteuning"] == frozenset(PURPOSES)
    assert PURPOSE_CONTEXTS["mdo_bespreking"] == {"mdo_bespreking"}
    assert PURPOSE_CONTEXTS["warme_overdracht"] == {"warme_overdracht"}
    assert HANDOVER_KINDS == {"coordinator", "substitute"}


@pytest.mark.parametrize(("purpose", "column", "opens"), CELLS, ids=[f"{p}-{c}" for p, c, _ in CELLS])
def test_purpose_by_reading_context(purpose: str, column: str, opens: bool) -> None:
    assert _cell(purpose, column) is opens


@pytest.mark.parametrize("kinds", [{"coordinator"}, {"substitute"}, {"coordinator", "core_team"},
                                   {"substitute", "mdo_attendee"}])
def test_the_coordinator_and_the_acting_substitute_read_during_the_handover(kinds: set[str]) -> None:
    grants = [_grant("warme_overdracht")]
    assert _shown(kinds, grants) == CONSENTED
    # exactly the consented categories, nothing the consent does not name
    assert _shown(kinds, grants).isdisjoint({"medicatie", "diagnostiek", "overleg_derden", "mdo_notulen"})
    assert decide(NURSE, _family(kinds), grants, NOW).consent_ids == {1}


@pytest.mark.parametrize("kinds", [{"core_team"}, {"mdo_attendee"}, {"team_planner"}, {"core_team", "mdo_attendee"}])
def test_other_kinds_never_read_under_a_handover_consent(kinds: set[str]) -> None:
    grants = [_grant("warme_overdracht")]
    for context in PURPOSES:
        assert _shown(kinds, grants, context=context) == frozenset()


def test_no_handover_reading_without_a_running_handover() -> None:
    grants = [_grant("warme_overdracht")]
    assert _shown({"coordinator"}, grants, handover=False) == frozenset()
    assert _shown({"coordinator"}, grants, context="warme_overdracht", handover=False) == frozenset()
    assert not may_coordinate(NURSE, _family(set(), handover=False), grants, NOW)


def test_the_grant_s_own_validity_bounds_the_handover_reading() -> None:
    expired = [_grant("warme_overdracht", until=NOW - DAY)]
    withdrawn = [_grant("warme_overdracht", withdrawn=NOW - DAY)]
    assert _shown({"coordinator"}, expired) == frozenset()
    assert decide(NURSE, _family({"coordinator"}), expired, NOW).reason("naw") == "toestemming_verlopen"
    assert decide(NURSE, _family({"coordinator"}), withdrawn, NOW).reason("naw") == "toestemming_ingetrokken"
    assert not may_coordinate(NURSE, _family(set()), expired, NOW)
    # the default term of the preset: 3 months
    assert get_preset("warme_overdracht").valid_months == 3


def test_a_handover_consent_for_another_recipient_opens_nothing() -> None:
    assert _shown({"coordinator"}, [_grant("warme_overdracht", domain="sociaal")]) == frozenset()
    assert _shown({"coordinator"}, [_grant("warme_overdracht", domain=None, org=JGZ_ORG)]) == CONSENTED
    assert _shown({"coordinator"}, [_grant("warme_overdracht", domain=None, org=99)]) == frozenset()


def test_need_to_know_still_bounds_the_handover_reading() -> None:
    worker = Viewer(user_id=8, organisation_id=5, domain="sociaal", roles=frozenset({"sociaal_werker"}))
    grant = ConsentGrant(1, None, "sociaal", frozenset({"naw", "medicatie"}), "warme_overdracht", NOW - DAY, None)
    decision = decide(worker, _family({"coordinator"}), [grant], NOW)
    assert decision.allowed == {"naw"} and decision.reason("medicatie") == "niet_nodig_voor_rol"


def test_reading_contexts() -> None:
    coordinating, running = _family({"coordinator"}), _family({"core_team"})
    assert reading_contexts("zorg_en_ondersteuning", coordinating) == {"zorg_en_ondersteuning", "warme_overdracht"}
    assert reading_contexts("zorg_en_ondersteuning", running) == {"zorg_en_ondersteuning"}
    assert reading_contexts("mdo_bespreking", coordinating) == {"mdo_bespreking"}
    assert reading_contexts("warme_overdracht", coordinating) == {"warme_overdracht"}
    assert reading_contexts("warme_overdracht", running) == frozenset()
    assert in_handover_context(coordinating) and not in_handover_context(running)
    assert not in_handover_context(_family({"substitute"}, handover=False))


def test_covers_context_follows_the_table() -> None:
    for purpose in PURPOSES:
        for context in PURPOSES:
            assert covers_context([_grant(purpose)], context, NOW) is (context in PURPOSE_CONTEXTS[purpose])


@settings(max_examples=200, deadline=None)
@given(
    kinds=st.frozensets(st.sampled_from(INVOLVEMENT_KINDS), max_size=3),
    handover=st.booleans(),
    context=st.sampled_from(PURPOSES),
    roles=st.frozensets(st.sampled_from(ROLES), min_size=1, max_size=2),
    domain=st.sampled_from(DOMAINS),
)
def test_a_handover_consent_adds_only_for_the_coordinator_during_the_handover(kinds, handover, context, roles,
                                                                              domain) -> None:  # noqa: ANN001
    viewer = Viewer(user_id=7, organisation_id=JGZ_ORG, domain=domain, roles=roles)
    family = FamilyContext(3, REGISTERING_ORG, kinds, handover=handover)
    grant = ConsentGrant(1, None, domain, frozenset(CATEGORIES), "warme_overdracht", NOW - DAY, NOW + DAY)
    with_grant = decide(viewer, family, [grant], NOW, context=context)
    without = decide(viewer, family, [], NOW, context=context)
    opens = handover and bool(kinds & HANDOVER_KINDS) and context != "mdo_bespreking"
    assert (with_grant.allowed != without.allowed) is (opens and with_grant.involved)


# ---------------------------------------------------------------------------
# Presets ask per domain only what that domain's roles may see.
# ---------------------------------------------------------------------------


def test_domain_roles_cover_every_domain_and_known_roles() -> None:
    assert set(DOMAIN_ROLES) == set(DOMAINS)
    assert all(roles <= set(ROLES) for roles in DOMAIN_ROLES.values())
    assert DOMAIN_ROLES["sociaal"] == {"sociaal_werker", "planner", "mdo_voorzitter"}
    assert DOMAIN_ROLES["informeel"] == {"informele_steun"}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.code for p in PRESETS])
def test_no_preset_asks_for_what_its_recipients_may_not_see(preset) -> None:  # noqa: ANN001
    per_domain = preset_categories(preset)
    for domain, categories in per_domain.items():
        visible = frozenset().union(*(DEFAULT_NEED_TO_KNOW[role] for role in DOMAIN_ROLES[domain]))
        assert set(categories) <= visible, (preset.code, domain, set(categories) - visible)
        assert set(categories) == set(preset.categories) & visible   # and asks all it may
    assert set(per_domain) <= set(preset.domains)
    lines = describe_preset(preset, per_domain)
    assert len(lines) == len(per_domain) + 1 and "intrekken" in lines[-1]


def test_the_kernteam_preset_no_longer_asks_medical_history_for_the_social_domain() -> None:
    per_domain = preset_categories(get_preset("kernteam"))
    assert "medische_voorgeschiedenis" not in per_domain["sociaal"]
    assert "medische_voorgeschiedenis" in per_domain["zorg"] and "medische_voorgeschiedenis" in per_domain["jgz"]
    sociaal = describe_preset(get_preset("kernteam"), per_domain)[2]
    assert sociaal.startswith("De professionals van het sociaal domein") and "medische" not in sociaal


def test_preset_categories_follow_the_beheerder_s_table_and_the_narrowing() -> None:
    table = merge_need_to_know({"sociaal_werker": ["naw", "medische_voorgeschiedenis"]})
    kernteam = get_preset("kernteam")
    assert "medische_voorgeschiedenis" in preset_categories(kernteam, table)["sociaal"]
    assert preset_categories(kernteam, categories=["naw", "medicatie"], domains=["sociaal", "zorg"]) == {
        "zorg": ("naw", "medicatie"), "sociaal": ("naw",)}
    # a domain left with nothing to ask is left out
    assert preset_categories(kernteam, categories=["medicatie"], domains=["sociaal"]) == {}
    assert domain_categories("informeel") == role_categories({"informele_steun"}) == {"naw"}
    with pytest.raises(PolicyError):
        domain_categories("ruimte")
    with pytest.raises(PolicyError):
        describe_preset(kernteam, {})
