"""Small-cell suppression without app or database: the primary threshold at its boundary, the
issue's example (7 = 6 + "<5"), the figures as shown, charts that do not leak, and seeded random
groups and tables checked against a reader who works every hidden cell out by subtraction."""
from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest

from igp.reporting import charts, rules, shown
from igp.reporting.rules import HIDDEN_MARK, PRIMARY, SECONDARY, Group

RULES_SOURCE = Path(rules.__file__)


def test_the_rules_are_pure():
    """rules.py imports the standard library only: no Flask, no SQLAlchemy, no other igp module."""
    found = set()
    for node in ast.walk(ast.parse(RULES_SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    assert found <= {"__future__", "collections", "dataclasses"}, found


# ------------------------------------------------------------------ primary suppression

@pytest.mark.parametrize("threshold", [2, 3, 5, 10, 20])
def test_primary_threshold_at_its_boundary(threshold):
    counts = {"below": threshold - 1, "at": threshold, "above": threshold + 1, "one": 1, "zero": 0}
    assert rules.primary(counts, threshold) == {"below": PRIMARY, "one": PRIMARY}
    assert rules.shown(counts, [], threshold) == {"below": f"<{threshold}", "at": threshold,
                                                  "above": threshold + 1, "one": f"<{threshold}", "zero": 0}


def test_zero_is_shown_and_never_used_to_cover_a_hidden_cell():
    counts = {"total": 7, "a": 6, "b": 1, "c": 0}
    assert rules.shown(counts, [Group("total", ("a", "b", "c"))], 5) == {"total": 7, "a": "x", "b": "<5", "c": 0}


def test_is_small_counts_only_whole_numbers():
    assert not rules.is_small(True, 5) and not rules.is_small(2.0, 5) and not rules.is_small("<5", 5)
    assert rules.is_small(4, 5) and not rules.is_small(5, 5) and not rules.is_small(0, 5)


# ------------------------------------------------------------------ secondary suppression

def test_the_issues_example_hides_the_six_too():
    """Total 7, in the target group 6, outside "<5": shown as it was, 7 - 6 gives the hidden 1."""
    counts = {"referrals": 7, "eligible": 6, "not_eligible": 1}
    group = Group("referrals", ("eligible", "not_eligible"))
    assert rules.primary(counts, 5) == {"not_eligible": PRIMARY}
    assert not rules.group_is_safe(group, counts, rules.primary(counts, 5), 5)
    assert rules.suppress_cells(counts, [group], 5) == {"not_eligible": PRIMARY, "eligible": SECONDARY}
    assert rules.shown(counts, [group], 5) == {"referrals": 7, "eligible": "x", "not_eligible": "<5"}


def test_a_complement_at_the_threshold_is_not_enough():
    """6 = "x" + "<5" would still give the 1 away: a reader knows "x" is at least 5. The total
    goes instead, and then the 5 can stay: 6 .. 9 is all one can tell of the total, 1 .. 4 of the rest."""
    counts = {"total": 6, "a": 5, "b": 1}
    group = Group("total", ("a", "b"))
    assert not rules.group_is_safe(group, counts, {"a": SECONDARY, "b": PRIMARY}, 5)
    assert rules.shown(counts, [group], 5) == {"total": "x", "a": 5, "b": "<5"}


def test_marks_alone_can_tell_a_small_total_of_ones():
    """The one thing no further hiding can prevent (and documented): "<5" = four times "<5" can
    only be 4 = 1 + 1 + 1 + 1, as every cell that is not 0 is hidden already."""
    counts = {"total": 4, "a": 1, "b": 1, "c": 1, "d": 1, "e": 0}
    group = Group("total", ("a", "b", "c", "d", "e"))
    status = rules.suppress_cells(counts, [group], 5)
    assert status == {key: PRIMARY for key in ("total", "a", "b", "c", "d")}
    assert not rules.group_is_safe(group, counts, status, 5) and rules.complement(group, counts, status) is None


def test_the_smallest_shown_part_is_hidden_next():
    counts = {"total": 40, "big": 20, "middle": 12, "small": 7, "tiny": 1}
    assert rules.shown(counts, [Group("total", ("big", "middle", "small", "tiny"))], 5) == {
        "total": 40, "big": 20, "middle": 12, "small": "x", "tiny": "<5"}


def test_two_hidden_parts_need_nothing_more():
    counts = {"total": 30, "a": 26, "b": 3, "c": 1}
    assert rules.suppress_cells(counts, [Group("total", ("a", "b", "c"))], 5) == {"b": PRIMARY, "c": PRIMARY}


def test_hiding_a_total_protects_it_in_its_other_groups():
    """6 = 5 + "<5" needs the total hidden; the other breakdown of the same total (6 + 0) would
    give it back, so its 6 goes too; the 5 is then no longer needed (6 .. 9 is all one can tell)."""
    counts = {"total": 6, "a": 5, "b": 1, "p": 6, "q": 0}
    groups = [Group("total", ("a", "b")), Group("total", ("p", "q"))]
    assert rules.shown(counts, groups, 5) == {"total": "x", "a": 5, "b": "<5", "p": "x", "q": 0}


def test_a_secondary_cell_that_is_no_longer_needed_is_shown_again():
    """11 = 5 + "<5" + 5: hiding one 5, then the other, still leaves 1; the total settles it,
    and then neither 5 has to stay hidden."""
    counts = {"total": 11, "a": 5, "b": 1, "c": 5}
    assert rules.shown(counts, [Group("total", ("a", "b", "c"))], 5) == {"total": "x", "a": 5, "b": "<5", "c": 5}


def test_a_chain_of_groups_is_followed_until_stable():
    """The handover funnel: started 6, contact 5 (1 without contact), planned 5, held 5."""
    counts = {"started": 6, "contact": 5, "no_contact": 1, "planned": 5, "contact_not_planned": 0, "held": 5,
              "planned_not_held": 0}
    groups = [Group("started", ("contact", "no_contact")), Group("contact", ("planned", "contact_not_planned")),
              Group("planned", ("held", "planned_not_held"))]
    result = rules.shown(counts, groups, 5)
    assert result == {"started": "x", "contact": "x", "no_contact": "<5", "planned": "x", "contact_not_planned": 0,
                      "held": "x", "planned_not_held": 0}


# ------------------------------------------------------------------ a reader who subtracts

def _knowledge(counts, status, threshold):
    """What a reader knows of each cell: the number, 1 .. threshold - 1 ("<t"), or at least the
    threshold ("x"), cut off far above every count."""
    bound = max(counts.values(), default=0) + threshold + 1
    known = {}
    for key, value in counts.items():
        if status.get(key) == PRIMARY:
            known[key] = set(range(1, threshold))
        elif status.get(key) == SECONDARY:
            known[key] = set(range(threshold, bound))
        else:
            known[key] = {value}
    return known


def _feasible(group, known, key):
    """Every value of `key` for which the other cells of the group, within what the reader knows,
    can make total = sum of the parts (an independent brute force, not the rules' intervals)."""
    sign = {group.total: -1, **{part: 1 for part in group.parts}}
    sums = {0}
    for other in group.cells:
        if other != key:
            sums = {s + sign[other] * v for s in sums for v in known[other]}
    return {v for v in known[key] if -sign[key] * v in sums}


def _recovered(groups, counts, status, threshold):
    """(group, cell) for every hidden cell that a group gives away: a lone hidden cell, or one
    whose group's equation leaves it one value that its mark did not already tell."""
    known = _knowledge(counts, status, threshold)
    found = []
    for group in groups:
        hidden = [key for key in group.cells if key in status]
        if len(hidden) == 1:
            found.append((group, hidden[0]))
        for key in hidden:
            values = _feasible(group, known, key)
            assert counts[key] in values  # the reader's knowledge is true
            if len(values) == 1 and len(known[key]) > 1:
                found.append((group, key))
    return found


def _exhausted(group, counts, status):
    """Every cell of the group that is not 0 is hidden already: nothing is left to hide."""
    return all(key in status or counts[key] == 0 for key in group.cells)


def _check(counts, groups, threshold):
    """The properties of one suppression; returns the hidden cells and the groups where the marks
    alone tell the cells (every cell that is not 0 hidden, see test_marks_alone_...)."""
    status = rules.suppress_cells(counts, groups, threshold)
    # primary: exactly the counts from 1 up to threshold - 1
    assert {k for k, s in status.items() if s == PRIMARY} == {k for k, v in counts.items() if 0 < v < threshold}
    # secondary: only shown non-zero counts (at or above the threshold), never a 0
    assert all(counts[k] >= threshold for k, s in status.items() if s == SECONDARY)
    for group in groups:  # the brief's rule: with a shown total, never exactly one hidden part
        hidden_parts = [p for p in group.parts if p in status]
        assert group.total in status or len(hidden_parts) != 1, (group, status)
    # no hidden cell can be worked out by subtraction, unless nothing in its group was left to hide
    recovered = _recovered(groups, counts, status, threshold)
    assert all(_exhausted(group, counts, status) for group, _ in recovered), (counts, status, recovered)
    # nothing hidden beyond what the rule requires: showing any one secondary cell again gives a cell away
    for key in [k for k, s in status.items() if s == SECONDARY]:
        fewer = {k: s for k, s in status.items() if k != key}
        touched = [g for g in groups if key in g.cells]
        assert _recovered(touched, counts, fewer, threshold), (key, counts, status)
    return status, {group for group, _ in recovered}


def _count(rnd, threshold):
    roll = rnd.random()
    if roll < 0.3:
        return 0
    if roll < 0.65:
        return rnd.randint(1, max(1, threshold - 1))
    if roll < 0.9:
        return rnd.randint(threshold, 3 * threshold)
    return rnd.randint(3 * threshold, 40)


def test_property_single_groups():
    rnd = random.Random(20260416)
    hidden_seen = secondary_seen = 0
    for _ in range(2000):
        threshold = rnd.randint(2, 8)
        parts = [f"p{i}" for i in range(rnd.randint(1, 6))]
        counts = {p: _count(rnd, threshold) for p in parts}
        counts["total"] = sum(counts.values())
        status, told = _check(counts, [Group("total", tuple(parts))], threshold)
        if told:  # only a small total of ones: t - 1 = 1 + 1 + ... (or "<2", which says 1 by itself)
            ones = [p for p in parts if counts[p]]
            assert threshold == 2 or (counts["total"] == len(ones) == threshold - 1
                                      and all(counts[p] == 1 for p in ones)), counts
        hidden_seen += bool(status)
        secondary_seen += SECONDARY in status.values()
    assert hidden_seen > 1000 and secondary_seen > 500  # the loop did exercise both kinds


def _cross_table(rnd, threshold):
    """rows x columns with row totals, column totals and a grand total: every inner cell is in two
    groups, the grand total in two."""
    rows, cols = rnd.randint(2, 3), rnd.randint(2, 4)
    counts = {("c", i, j): _count(rnd, threshold) for i in range(rows) for j in range(cols)}
    for i in range(rows):
        counts[("r", i)] = sum(counts[("c", i, j)] for j in range(cols))
    for j in range(cols):
        counts[("k", j)] = sum(counts[("c", i, j)] for i in range(rows))
    counts["T"] = sum(counts[("r", i)] for i in range(rows))
    groups = [Group(("r", i), tuple(("c", i, j) for j in range(cols))) for i in range(rows)]
    groups += [Group(("k", j), tuple(("c", i, j) for i in range(rows))) for j in range(cols)]
    groups += [Group("T", tuple(("r", i) for i in range(rows))), Group("T", tuple(("k", j) for j in range(cols)))]
    return counts, groups


def _funnel(rnd, threshold):
    """Steps within the one before (with the undisplayed remainders) and the last step split by reason."""
    steps = [rnd.randint(0, 30)]
    for _ in range(rnd.randint(1, 3)):
        steps.append(max(0, steps[-1] - rnd.choice([0, 0, 1, 2, rnd.randint(0, 10)])))
    counts, groups = {}, []
    for i, n in enumerate(steps):
        counts[f"s{i}"] = n
        if i:
            counts[f"rest{i}"] = steps[i - 1] - n
            groups.append(Group(f"s{i - 1}", (f"s{i}", f"rest{i}")))
    reasons = [rnd.randint(0, steps[-1]) for _ in range(rnd.randint(1, 3))]
    while sum(reasons) > steps[-1]:
        reasons[rnd.randrange(len(reasons))] //= 2
    for j, n in enumerate(reasons):
        counts[f"why{j}"] = n
    counts["why_rest"] = steps[-1] - sum(reasons)
    groups.append(Group(f"s{len(steps) - 1}", (*(f"why{j}" for j in range(len(reasons))), "why_rest")))
    return counts, groups


@pytest.mark.parametrize("build", [_cross_table, _funnel])
def test_property_tables_of_several_groups(build):
    rnd = random.Random(16)
    secondary_seen = 0
    for _ in range(400):
        threshold = rnd.randint(3, 6)
        counts, groups = build(rnd, threshold)
        status, _ = _check(counts, groups, threshold)
        secondary_seen += SECONDARY in status.values()
    assert secondary_seen > 100


# ------------------------------------------------------------------ the figures as shown

def figures(**overrides) -> dict:
    """A result of services.throughput with every count 0, then `overrides` (dotted keys)."""
    f = {
        "period": {"from": "2026-10-20", "to": "2027-01-10", "poli": None},
        "referrals": 0, "eligible": 0, "not_eligible": 0, "not_eligible_admitted": 0, "by_poli": {},
        "by_referrer_type": {}, "intakes_held": 0, "intake_within_term": 0, "intake_within_term_pct": None,
        "median_workdays_to_intake": None, "p90_workdays_to_intake": None,
        "funnel": {"aangemeld": 0, "contact": 0, "intake_gepland": 0, "intake_gehouden": 0},
        "missed_term_reasons": {}, "written_referral_sufficed": 0, "completed_with_feedback": 0,
        "open_handovers": {"op_schema": 0, "risico": 0, "te_laat": 0},
        "caseload": {"per_coordinator": [], "without_contact": 0, "active_families": 0},
        "mdo": {key: 0 for key in ("meetings_held", "families_discussed", "items_not_discussed",
                                   "outcomes_with_quorum", "outcomes_without_quorum", "actions", "actions_open",
                                   "actions_overdue", "actions_done", "actions_done_on_time", "actions_dropped")},
        "onward_referrals": {"ggz": 0, "jeugdzorg": 0},
        "exits": {"exits": 0, "by_reason": {}, "median_days_in_igp": None, "p90_days_in_igp": None},
        "knelpunten": {"raised": 0, "open": 0, "closed": 0, "by_kind": {}},
        "experience": {"responses": 0, "by_score": {s: 0 for s in range(1, 6)}, "mean": None},
        "experience_professionals": {"responses": 0, "by_score": {s: 0 for s in range(1, 6)}, "mean": None},
        "referrals_by_destination": {"by_source": {"mdo": {}, "intake": {}, "plan": {}},
                                     "plan_by_status": {"aangevraagd": 0}},
        "informal_support": {"started": 0, "by_kind": {"luisterend_oor": 0}},
        "contacts": {"contacts": 0, "families": 0, "by_discipline": {"jgz": 0}, "by_kind": {"consult": 0}},
        "birth_outcomes": {"births": 0, "by_gestation": {"vroeg": 0}, "by_weight": {"laag": 0},
                           "by_admission": {"nicu": 0}},
        "per_day": {},
    }
    for dotted, value in overrides.items():
        *path, last = dotted.split("__")
        node = f
        for step in path:
            node = node[step]
        node[last] = value
    return f


def referrals_7(eligible=6, pop=6):
    return figures(referrals=7, eligible=eligible, not_eligible=7 - eligible, by_poli={"pop": pop, "mamaplus": 7 - pop},
                   by_referrer_type={"huisarts": 7}, per_day={"2026-10-20": 7})


def test_shown_figures_of_the_issues_example():
    f = shown.shown_figures(referrals_7(), 5)
    assert (f["referrals"], f["eligible"], f["not_eligible"], f["eligible_pct"]) == (7, "x", "<5", "x")
    assert f["by_poli"] == {"pop": "x", "mamaplus": "<5"}
    assert f["by_referrer_type"]["huisarts"] == 7 and f["by_referrer_type"]["vsv"] == 0
    assert dict(f["series"])["wk 43"] == 7 and f["series_unit"] == "week" and f["threshold"] == 5
    assert "per_day" not in f  # only the weeks are shown


def test_shown_figures_do_not_depend_on_the_hidden_values():
    """Two data sets that differ only inside hidden cells look the same in every output."""
    first = shown.shown_figures(figures(referrals=9, eligible=6, not_eligible=3), 5)
    second = shown.shown_figures(figures(referrals=9, eligible=7, not_eligible=2), 5)
    assert first == second and first["eligible"] == "x" and first["not_eligible"] == "<5"


def test_ratios_and_statistics_that_would_give_a_hidden_count_away_are_hidden():
    f = shown.shown_figures(figures(**{
        "intakes_held": 7, "intake_within_term": 6, "intake_within_term_pct": 85.7,
        "median_workdays_to_intake": 3, "p90_workdays_to_intake": 6,
        "funnel": {"aangemeld": 20, "contact": 20, "intake_gepland": 20, "intake_gehouden": 7},
        "missed_term_reasons": {"capaciteit": 1},
        "exits": {"exits": 4, "by_reason": {"verhuisd": 4}, "median_days_in_igp": 30, "p90_days_in_igp": 40},
        "experience": {"responses": 12, "by_score": {1: 0, 2: 0, 3: 1, 4: 5, 5: 6}, "mean": 4.42}}), 5)
    # held 7 = within 6 + late 1: the 6 goes too, and with it the percentage
    assert (f["intakes_held"], f["intake_within_term"], f["intake_within_term_pct"]) == (7, "x", "x")
    assert f["funnel"]["intake_gehouden"] == 7 and f["funnel_pct"]["intake_gehouden"] == 35
    assert f["missed_term_reasons"]["capaciteit"] == "<5"
    assert (f["median_workdays_to_intake"], f["p90_workdays_to_intake"]) == (3, 6)  # over 7 intakes
    assert (f["exits"]["median_days_in_igp"], f["exits"]["p90_days_in_igp"]) == ("x", "x")  # over 4 exits
    assert f["experience"]["mean"] == "x"  # with 12 answers the mean would tell the hidden scores apart


def test_groups_of_the_figures():
    cells, groups = shown.figure_cells(shown._normalised(referrals_7()))
    totals = {}
    for group in groups:
        totals.setdefault(group.total, []).append(group.parts)
        assert cells[group.total] >= sum(cells[p] for p in group.parts if p[0] != shown.REST)
    assert len(totals[("referrals",)]) == 4  # target group, polis, referrer types, weeks
    assert (("eligible",), ("not_eligible",)) in totals[("referrals",)]
    for total in [("not_eligible",), ("funnel", "aangemeld"), ("funnel", "contact"), ("funnel", "intake_gepland"),
                  ("funnel", "intake_gehouden"), ("rest", "intake_late"), ("caseload", "active_families"),
                  ("mdo", "actions"), ("mdo", "actions_open"), ("mdo", "actions_done"), ("exits", "exits"),
                  ("knelpunten", "raised"), ("experience", "responses")]:
        assert total in totals, total


# ------------------------------------------------------------------ charts draw what is shown

def test_a_hidden_value_gets_no_bar_and_no_share_of_the_scale():
    svg = str(charts.hbar([("POP-poli", HIDDEN_MARK), ("MamaPlus", "<5"), ("Anders", 4)], "Per poli"))
    assert svg.count("<rect") == 1  # only the shown 4
    assert 'width="186.0"' in svg  # the 4 fills the whole scale: the hidden values are not on it
    assert ">x</text>" in svg and ">&lt;5</text>" in svg and "POP-poli: x; MamaPlus: &lt;5; Anders: 4" in svg


def test_columns_scale_on_shown_values_only():
    svg = str(charts.columns([("wk 1", 2), ("wk 2", "x"), ("wk 3", "<5")], "Aanmeldingen per week"))
    assert svg.count("<rect") == 1 and ">x</text>" in svg and ">&lt;5</text>" in svg
    axis = re.findall(r'text-anchor="end" font-size="11" fill="#1b1b1f">(\d+)<', svg)
    assert [int(v) for v in axis] == [0, 1, 2]  # the axis ends at the shown 2


def test_funnel_shows_a_share_only_where_it_is_given():
    svg = str(charts.funnel([("Aangemeld", 20, 100), ("Contact gelegd", "x", "x"), ("Intake", 7, 35)], "Funnel"))
    assert "Aangemeld (100%)" in svg and "Intake (35%)" in svg and "Contact gelegd (" not in svg
