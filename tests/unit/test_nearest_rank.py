"""The dashboard's median and 90th percentile from counts per value (issue 21): the database groups the
values and `rules.nearest_rank` finds the ranks, with the figures of nearest rank over every value."""
from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from igp.reporting.rules import nearest_rank


def _oracle(values: list[int]) -> tuple[int | None, int | None]:
    """Nearest rank over the sorted values: the value at rank ceil(n * q) (1-based)."""
    if not values:
        return None, None
    data = sorted(values)
    return data[math.ceil(len(data) * 0.5) - 1], data[math.ceil(len(data) * 0.9) - 1]


@pytest.mark.parametrize("values, expected", [
    ([], (None, None)),
    ([7], (7, 7)),
    ([0, 2, 3, 6, 8], (3, 8)),          # the dashboard test's intakes: 3rd and 5th value
    ([2, 3, 6, 8], (3, 8)),             # 2nd and 4th
    ([1] * 9 + [40], (1, 1)),           # 9 of 10 at or below 1
    ([1] * 8 + [40, 41], (1, 40)),
])
def test_nearest_rank_at_its_boundaries(values, expected):
    assert nearest_rank(Counter(values)) == expected


def test_nearest_rank_equals_ranking_every_value():
    rng = random.Random(21)
    for _ in range(500):
        values = [rng.randint(-3, 60) for _ in range(rng.randint(1, 80))]
        assert nearest_rank(Counter(values)) == _oracle(values), values
