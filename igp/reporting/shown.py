"""The throughput figures as the dashboard, the CSV export and the report show them.

`shown_figures` is the one place that decides what is shown. It lays the figures of
`services.throughput` out as cells (every count, keyed by its path in the figures), names the
groups of cells that add up (below), lets `rules.suppress_cells` decide which cells are hidden,
and returns the same figures with every hidden count replaced by its mark ("<5" or "x"). A ratio
or a statistic is shown only when it cannot give a hidden count away: a percentage only when the
counts it divides are shown, the mean score only when every score count is shown, a median or a
90th percentile only over at least `threshold` values (else it is one family's own number). The
three outputs render what it returns and compute nothing themselves.

Groups (a total = its parts; `rest` cells are remainders no output displays, hidden or shown by
the same rules so that they cannot be worked out either):
* referrals = inside + outside the target group = the polis = the referrer types (+ rest) = the
  weeks or months of the chart;
* outside the target group = admitted after a professional judgement + rest;
* the handover funnel, each step within the one before: started = contact + rest, contact =
  intake planned + rest, planned = intake held + rest; held = within the term + late (rest);
  late = the reasons the term was missed (+ rest: no reason); started = written handover sufficed
  + rest; started = completed with feedback + rest;
* active families = per coordinator + rest (no coordinator);
* MDO actions = open + done + dropped; open = overdue + rest; done = on time + rest;
* exits = per reason (+ rest);
* knelpunten raised = open + closed = per kind (+ rest);
* experience answers = per score (of families and of professionals, each);
* onward referrals per source (MDO, intake, gezinsplan) = its destinations; per destination: the
  total of the sources = the sources; the plan's referrals = per status;
* informal support started = per kind; contact moments = per discipline = per kind;
* births = per class of gestational age = of birth weight = of admission.
Counts without a displayed total (open handovers per signal, the other MDO counts, the families
with a contact moment, families without a point of contact) are suppressed on their own.
"""
from __future__ import annotations

import copy
from datetime import date, timedelta

from igp.coordination.rules import EXIT_REASONS, KNELPUNT_KINDS
from igp.families.rules import REFERRER_TYPES
from igp.handover.rules import MISSED_REASONS, OUTWARD_TARGETS
from igp.mdo.rules import REFERRAL_TYPES
from igp.reporting import rules
from igp.reporting.rules import HIDDEN_MARK, Group

REST = "rest"  # the first element of the key of a remainder cell
SCORES = range(1, 6)
# where an onward referral went (the MDO's and the plan's kinds of help, the intake's exit targets)
DESTINATIONS = {**{k: v for k, v in REFERRAL_TYPES.items() if k != "anders"},
                **{k: v for k, v in OUTWARD_TARGETS.items() if k != "anders"}, "anders": "Anders"}
SOURCES = {"mdo": "Vanuit het MDO", "intake": "Na de intake", "plan": "Vanuit het gezinsplan"}


def bucket_counts(per_day: dict[date, int], start: date, end: date) -> tuple[str, list[tuple[str, int]]]:
    """Fold counts per day into ISO weeks (periods up to ~6 months) or months, with every bucket
    of the period present (also the empty ones)."""
    by_week = (end - start).days <= 190

    def key(d: date) -> str:
        if by_week:  # at most ~27 weeks: a week number cannot repeat within the period
            return f"wk {d.isocalendar().week}"
        return d.strftime("%m-%Y")

    counts: dict[str, int] = {}
    day = start
    while day <= end:
        counts.setdefault(key(day), 0)
        day += timedelta(days=1)
    for d, n in per_day.items():
        counts[key(d)] = counts.get(key(d), 0) + n
    return ("week" if by_week else "maand"), list(counts.items())


def _normalised(figures: dict) -> dict:
    """A copy with every breakdown over its full list of codes (absent codes as 0), lists where
    the outputs list, and the referrals per week or month instead of per day."""
    f = copy.deepcopy(figures)
    f["by_referrer_type"] = {code: figures["by_referrer_type"].get(code, 0) for code in REFERRER_TYPES}
    f["missed_term_reasons"] = {code: figures["missed_term_reasons"].get(code, 0) for code in MISSED_REASONS}
    f["exits"]["by_reason"] = {code: figures["exits"]["by_reason"].get(code, 0) for code in EXIT_REASONS}
    f["knelpunten"]["by_kind"] = {code: figures["knelpunten"]["by_kind"].get(code, 0) for code in KNELPUNT_KINDS}
    f["experience"]["by_score"] = {s: figures["experience"]["by_score"].get(s, 0) for s in SCORES}
    f["experience_professionals"]["by_score"] = {
        s: figures["experience_professionals"]["by_score"].get(s, 0) for s in SCORES}
    f["caseload"]["per_coordinator"] = [[name, n] for name, n in figures["caseload"]["per_coordinator"]]
    by_source = f["referrals_by_destination"].pop("by_source")
    f["referrals_by_destination"]["by_destination"] = {
        code: {**{source: by_source[source].get(code, 0) for source in SOURCES},
               "totaal": sum(by_source[source].get(code, 0) for source in SOURCES)} for code in DESTINATIONS}
    f["referrals_by_destination"]["per_source"] = {source: sum(by_source[source].values()) for source in SOURCES}
    per_day = {date.fromisoformat(d): n for d, n in f.pop("per_day").items()}
    unit, series = bucket_counts(per_day, date.fromisoformat(f["period"]["from"]),
                                 date.fromisoformat(f["period"]["to"]))
    f["series_unit"], f["series"] = unit, [[label, n] for label, n in series]
    return f


class _Layout:
    """Collects the cells (path -> count) and the groups of one set of normalised figures."""

    def __init__(self, figures: dict):
        self.figures = figures
        self.cells: dict[tuple, int] = {}
        self.groups: list[Group] = []

    def cell(self, *path) -> tuple:
        node = self.figures
        for step in path:
            node = node[step]
        self.cells[path] = int(node or 0)
        return path

    def breakdown(self, *path) -> list[tuple]:
        """The cells of a dict of counts, or of a list of [label, count] pairs."""
        node = self.figures
        for step in path:
            node = node[step]
        if isinstance(node, dict):
            return [self.cell(*path, key) for key in node]
        return [self.cell(*path, index, 1) for index in range(len(node))]

    def group(self, total: tuple, parts: list[tuple], rest: str | None = None) -> tuple | None:
        """total = parts (+ a remainder cell named `rest`, whose key is returned)."""
        parts = list(parts)
        key = None
        if rest:
            key = (REST, rest)
            self.cells[key] = max(0, self.cells[total] - sum(self.cells[p] for p in parts))
            parts.append(key)
        self.groups.append(Group(total, tuple(parts)))
        return key


def _referral_groups(lay: _Layout) -> None:
    total = lay.cell("referrals")
    lay.group(total, [lay.cell("eligible"), lay.cell("not_eligible")])
    lay.group(("not_eligible",), [lay.cell("not_eligible_admitted")], "not_eligible_not_admitted")
    lay.group(total, lay.breakdown("by_poli"), "poli_other")
    lay.group(total, lay.breakdown("by_referrer_type"), "referrer_other")
    lay.group(total, lay.breakdown("series"), "series_other")


def _handover_groups(lay: _Layout) -> None:
    started, contact, planned, held = (lay.cell("funnel", step) for step in
                                       ("aangemeld", "contact", "intake_gepland", "intake_gehouden"))
    lay.group(started, [contact], "no_contact")
    lay.group(contact, [planned], "contact_not_planned")
    lay.group(planned, [held], "planned_not_held")
    late = lay.group(held, [lay.cell("intake_within_term")], "intake_late")
    lay.group(late, lay.breakdown("missed_term_reasons"), "missed_without_reason")
    lay.group(started, [lay.cell("written_referral_sufficed")], "written_not_sufficed")
    lay.group(started, [lay.cell("completed_with_feedback")], "not_completed")
    for signal in lay.figures["open_handovers"]:
        lay.cell("open_handovers", signal)


def _other_groups(lay: _Layout) -> None:
    lay.group(lay.cell("caseload", "active_families"), lay.breakdown("caseload", "per_coordinator"),
              "without_coordinator")
    lay.cell("caseload", "without_contact")
    for key in lay.figures["mdo"]:
        lay.cell("mdo", key)
    lay.group(("mdo", "actions"), [("mdo", "actions_open"), ("mdo", "actions_done"), ("mdo", "actions_dropped")],
              "actions_other")
    lay.group(("mdo", "actions_open"), [("mdo", "actions_overdue")], "actions_open_in_time")
    lay.group(("mdo", "actions_done"), [("mdo", "actions_done_on_time")], "actions_done_late")
    # the MDO's referrals per type are the MDO column of the referrals by destination: the same cells
    lay.group(lay.cell("exits", "exits"), lay.breakdown("exits", "by_reason"), "exit_other")
    raised = lay.cell("knelpunten", "raised")
    lay.group(raised, [lay.cell("knelpunten", "open"), lay.cell("knelpunten", "closed")], "knelpunt_other")
    lay.group(raised, lay.breakdown("knelpunten", "by_kind"), "knelpunt_kind_other")
    lay.group(lay.cell("experience", "responses"), lay.breakdown("experience", "by_score"), "score_other")
    lay.group(lay.cell("experience_professionals", "responses"),
              lay.breakdown("experience_professionals", "by_score"), "professional_score_other")
    _monitoring_groups(lay)


def _monitoring_groups(lay: _Layout) -> None:
    """§7.2: referrals by destination and source, informal support, contact moments, births."""
    base = ("referrals_by_destination",)
    for source in SOURCES:
        lay.group(lay.cell(*base, "per_source", source),
                  [lay.cell(*base, "by_destination", code, source) for code in DESTINATIONS])
    for code in DESTINATIONS:
        lay.group(lay.cell(*base, "by_destination", code, "totaal"),
                  [(*base, "by_destination", code, source) for source in SOURCES])
    lay.group((*base, "per_source", "plan"), lay.breakdown(*base, "plan_by_status"))
    lay.group(lay.cell("informal_support", "started"), lay.breakdown("informal_support", "by_kind"))
    contacts = lay.cell("contacts", "contacts")
    lay.cell("contacts", "families")
    lay.group(contacts, lay.breakdown("contacts", "by_discipline"))
    lay.group(contacts, lay.breakdown("contacts", "by_kind"))
    births = lay.cell("birth_outcomes", "births")
    for breakdown in ("by_gestation", "by_weight", "by_admission"):
        lay.group(births, lay.breakdown("birth_outcomes", breakdown))


def figure_cells(figures: dict) -> tuple[dict[tuple, int], list[Group]]:
    """The cells and groups of normalised figures (see `_normalised`)."""
    lay = _Layout(figures)
    _referral_groups(lay)
    _handover_groups(lay)
    _other_groups(lay)
    return lay.cells, lay.groups


def _put(tree: dict, path: tuple, value) -> None:
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _share(part, whole, digits: int | None = None):
    """100 * part / whole, when both are shown; "x" when one is hidden; None without a whole."""
    if isinstance(part, str) or isinstance(whole, str):
        return HIDDEN_MARK
    if not whole:
        return None
    return round(100 * part / whole, digits) if digits is not None else round(100 * part / whole)


def _statistic(value, count: int, threshold: int):
    """A median or percentile over `count` values: shown over at least `threshold` values."""
    return HIDDEN_MARK if value is not None and count < threshold else value


def _derived(raw: dict, f: dict, threshold: int) -> None:
    """The ratios and statistics, from the shown counts in `f` (and the raw numbers of values)."""
    f["intakes_held"] = f["funnel"]["intake_gehouden"]
    f["eligible_pct"] = _share(f["eligible"], f["referrals"])
    f["intake_within_term_pct"] = _share(f["intake_within_term"], f["intakes_held"], 1)
    first = f["funnel"]["aangemeld"]
    f["funnel_pct"] = {step: (_share(n, first) if first else 0) for step, n in f["funnel"].items()}
    held, exits = raw["funnel"]["intake_gehouden"], raw["exits"]["exits"]
    for key in ("median_workdays_to_intake", "p90_workdays_to_intake"):
        f[key] = _statistic(raw[key], held, threshold)
    for key in ("median_days_in_igp", "p90_days_in_igp"):
        f["exits"][key] = _statistic(raw["exits"][key], exits, threshold)
    for key in ("experience", "experience_professionals"):
        experience = f[key]
        scores = [experience["responses"], *experience["by_score"].values()]
        if any(isinstance(n, str) for n in scores) and experience["mean"] is not None:
            experience["mean"] = HIDDEN_MARK


def shown_figures(figures: dict, threshold: int) -> dict:
    """The figures of `services.throughput` with small cells suppressed (primary and secondary),
    plus what the outputs need: `series_unit`, `series`, `eligible_pct`, `funnel_pct`, `threshold`."""
    f = _normalised(figures)
    cells, groups = figure_cells(f)
    status = rules.suppress_cells(cells, groups, threshold)
    for path, value in cells.items():
        if path[0] != REST:
            _put(f, path, rules.mark(value, status.get(path), threshold))
    by_destination = f["referrals_by_destination"]["by_destination"]
    f["onward_referrals"] = {code: by_destination[code]["mdo"] for code in REFERRAL_TYPES}
    _derived(figures, f, threshold)
    f["threshold"] = threshold
    return f
