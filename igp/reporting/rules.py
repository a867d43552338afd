"""Small-cell suppression as plain functions over plain values: no Flask, no database.

A *cell* is one count, under any hashable key. A *group* is a total and the parts that add up to
it exactly (referrals = inside + outside the target group; a remainder that no output displays is
a part too, under a key of its own, so that it cannot be worked out either).

Primary suppression: a count from 1 up to threshold - 1 is hidden and shown as "<threshold".
0 is shown: nothing to re-identify, the convention of statistical offices, and what the export
always did.

Secondary suppression: a hidden cell must not be recoverable from the numbers that are shown. A
reader knows every shown cell exactly, a primary cell to lie in 1 .. threshold - 1 and a
secondary cell ("x") to be at least the threshold (the rules are public). A group is *safe* when
it has no hidden cell, or at least two, and its equation leaves every hidden cell more than one
possible value. While a group is not safe, its smallest shown non-zero part is hidden too (or the
total, when no such part is left; a 0 is never used, it would give the other cell away);
hiding a cell can make another group unsafe, so this repeats until every group is safe. Then
every secondary cell that is no longer needed (the groups it is in stay safe without it) is
shown again, so nothing is hidden beyond what the rule requires.

Each group is judged on its own equation, as the reader would with one table; a reader who
combines several equations at once (linear algebra over a cross table) is not modelled.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

PRIMARY = "primary"
SECONDARY = "secondary"
HIDDEN_MARK = "x"  # a secondary cell, a ratio or a statistic that would give a hidden count away
INFINITY = float("inf")


@dataclass(frozen=True)
class Group:
    """`total` equals the sum of `parts`."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


def primary_mark(threshold: int) -> str:
    return f"<{threshold}"


def is_small(value, threshold: int) -> bool:
    """A count that primary suppression hides: 1 .. threshold - 1 (0 is shown)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


def primary(counts: Mapping[Hashable, int], threshold: int) -> dict[Hashable, str]:
    return {key: PRIMARY for key, value in counts.items() if is_small(value, threshold)}


def known_range(value: int, status: str | None, threshold: int) -> tuple[float, float]:
    """What a reader of the outputs knows about a cell."""
    if status == PRIMARY:
        return 1, threshold - 1
    if status == SECONDARY:
        return threshold, INFINITY
    return value, value


def _pinned(group: Group, key: Hashable, ranges: Mapping[Hashable, tuple[float, float]]) -> bool:
    """Whether the group's equation leaves the hidden cell `key` at most one value that its own
    mark did not already tell."""
    others = [ranges[part] for part in group.parts if part != key]
    if key == group.total:
        low, high = sum(lo for lo, _ in others), sum(hi for _, hi in others)
    else:
        total_low, total_high = ranges[group.total]
        low, high = total_low - sum(hi for _, hi in others), total_high - sum(lo for lo, _ in others)
    own_low, own_high = ranges[key]
    return own_low < own_high and max(low, own_low) >= min(high, own_high)


def group_is_safe(group: Group, counts: Mapping[Hashable, int], status: Mapping[Hashable, str],
                  threshold: int) -> bool:
    hidden = [key for key in group.cells if key in status]
    if not hidden:
        return True
    if len(hidden) == 1:
        return False
    ranges = {key: known_range(counts[key], status.get(key), threshold) for key in group.cells}
    return not any(_pinned(group, key, ranges) for key in hidden)


def complement(group: Group, counts: Mapping[Hashable, int], status: Mapping[Hashable, str]) -> Hashable | None:
    """The next cell to hide in an unsafe group: its smallest shown non-zero part (the first one
    of equal parts), else its total; None when nothing is left to hide."""
    candidates = [(counts[part], index) for index, part in enumerate(group.parts)
                  if part not in status and counts[part] > 0]
    if candidates:
        return group.parts[min(candidates)[1]]
    if group.total not in status and counts[group.total] > 0:
        return group.total
    return None


def _next_secondary(groups: Iterable[Group], counts, status, threshold) -> Hashable | None:
    for group in groups:
        if not group_is_safe(group, counts, status, threshold):
            key = complement(group, counts, status)
            if key is not None:
                return key
    return None


def _prune(added: list[Hashable], groups: list[Group], counts, status: dict, threshold: int) -> None:
    """Show again every secondary cell that the groups it is in no longer need."""
    changed = True
    while changed:
        changed = False
        for key in reversed(added):
            if status.get(key) != SECONDARY:
                continue
            del status[key]
            if all(group_is_safe(g, counts, status, threshold) for g in groups if key in g.cells):
                changed = True
            else:
                status[key] = SECONDARY


def suppress_cells(counts: Mapping[Hashable, int], groups: Iterable[Group], threshold: int) -> dict[Hashable, str]:
    """The hidden cells: key -> PRIMARY or SECONDARY (a shown cell has no entry)."""
    groups = list(groups)
    status = primary(counts, threshold)
    added: list[Hashable] = []
    while (key := _next_secondary(groups, counts, status, threshold)) is not None:
        status[key] = SECONDARY
        added.append(key)
    _prune(added, groups, counts, status, threshold)
    return status


def mark(value, status: str | None, threshold: int):
    """A cell as the outputs show it."""
    if status == PRIMARY:
        return primary_mark(threshold)
    if status == SECONDARY:
        return HIDDEN_MARK
    return value


def shown(counts: Mapping[Hashable, int], groups: Iterable[Group], threshold: int) -> dict[Hashable, object]:
    """Every cell as shown: its count, "<threshold" or "x"."""
    status = suppress_cells(counts, groups, threshold)
    return {key: mark(value, status.get(key), threshold) for key, value in counts.items()}


# ------------------------------------------------------------------ figures per gemeente

UNKNOWN_AREA = "onbekend"
TOTAL_AREA = "totaal"


def area_groups(measures: Iterable[str], areas: Iterable[str]) -> list[Group]:
    """Per measure: its total over every gemeente equals the sum of the gemeenten (with "onbekend")."""
    areas = tuple(areas)
    return [Group((m, TOTAL_AREA), tuple((m, a) for a in areas)) for m in measures]


def shown_by_area(counts: Mapping[str, Mapping[str, int]], threshold: int) -> dict[str, dict[str, object]]:
    """counts[measure][gemeente] (gemeente "onbekend" included) as shown: each measure's total per
    gemeente and overall, small cells suppressed with secondary suppression per measure."""
    areas = sorted({a for per in counts.values() for a in per})
    cells = {(m, a): per.get(a, 0) for m, per in counts.items() for a in areas}
    cells.update({(m, TOTAL_AREA): sum(per.values()) for m, per in counts.items()})
    marked = shown(cells, area_groups(counts, areas), threshold)
    return {m: {a: marked[(m, a)] for a in (*areas, TOTAL_AREA)} for m in counts}


# ------------------------------------------------------------------ statistics over counts per value

def nearest_rank(counts: Mapping[int, int]) -> tuple[int | None, int | None]:
    """Median and 90th percentile by nearest rank (the smallest value with at least 50% / 90% of the
    values at or below it) of values given as counts per value, so the database groups instead of
    sorting every value (issue 21). (None, None) when there are no values."""
    total = sum(counts.values())
    median = p90 = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if median is None and seen * 2 >= total:
            median = value
        if seen * 10 >= total * 9:
            p90 = value
            break
    return (median, p90) if total else (None, None)
