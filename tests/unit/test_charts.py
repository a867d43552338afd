"""The dashboard's SVG charts: round gridlines whose labels match their height, values shown,
labels escaped."""
from __future__ import annotations

import re

import pytest

from igp.reporting.charts import columns, nice_axis


@pytest.mark.parametrize("top,expected", [
    (0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (5, (5, 1)), (7, (8, 2)), (12, (15, 5)), (48, (50, 10)),
    (100, (100, 20)), (101, (150, 50)), (2.5, (3, 1)),
])
def test_nice_axis(top, expected):
    assert nice_axis(top) == expected


def test_gridline_labels_sit_at_their_value():
    """Regression: with a maximum of 3 the middle gridline sat at 1.5 and was labelled "2"."""
    svg = str(columns([("wk 46", 3), ("wk 47", 2), ("wk 48", 2)], "Aanmeldingen per week"))
    top_pad, plot_h = 20, 220 - 44 - 20
    labels = {int(text): float(y) - 4 for y, text in re.findall(
        r'<text x="30" y="([0-9.]+)" text-anchor="end" font-size="11" fill="#1b1b1f">(\d+)</text>', svg)}
    assert sorted(labels) == [0, 1, 2, 3]
    for value, y in labels.items():
        assert y == pytest.approx(top_pad + plot_h * (1 - value / 3), abs=0.1)
    bars = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert bars == pytest.approx([plot_h, plot_h * 2 / 3, plot_h * 2 / 3], abs=0.1)  # 2 reaches the "2" line
    assert '>3</text>' in svg and svg.count('font-weight="bold"') == 3  # the value above each column


def test_labels_are_escaped():
    svg = str(columns([("<script>", 1)], "<b>titel</b>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


@pytest.mark.parametrize("value,shown", [(66.66, "66,7"), (60.0, "60,0"), (1234, "1.234"), (1234.5, "1.234,5"),
                                         (0, "0"), (None, ""), ("<5", "<5")])
def test_numbers_are_shown_the_dutch_way(value, shown):
    from igp.web import format_number

    assert format_number(value) == shown


def test_a_long_label_is_wrapped_never_cut_off():
    from igp.reporting.charts import hbar

    svg = str(hbar([("Huil-, slaap- en eetproblemen", 10), ("POP-poli", 4)], "Per poli"))
    assert "…" not in svg
    assert '<tspan x="162" y=' in svg
    spans = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", svg)
    assert " ".join(spans[:2]) == "Huil-, slaap- en eetproblemen" and spans[2] == "POP-poli"
