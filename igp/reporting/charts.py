"""Small server-side SVG charts: no scripts, no external assets, readable at a glance.

Every chart has a <title> and <desc>, text labels on the bars, and the dashboard shows the
same numbers in a table next to it (screen readers, printing).

The values are the shown figures (igp.reporting.shown): a number, or the mark of a suppressed
cell ("<5", "x"). A marked value gets no bar, only its mark, and the scale of a chart comes from
its shown numbers alone, so neither a bar nor an axis tells a hidden count."""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#0b4f7c", "#1d6b3a", "#7a4b00", "#a4161a", "#5b3e96", "#216f74", "#6b4f2a", "#4a4f57")
TEXT = "#1b1b1f"
GRID = "#c9ced6"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(items) -> list[float]:
    """The shown numbers among the values (a marked, suppressed value is none)."""
    return [value for _, value in items if _is_number(value)]


def _wrapped(label: str, limit: int = 21) -> list[str]:
    """The label in lines of at most `limit` characters, broken between words (a word longer than
    the limit keeps its own line): never cut off."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def hbar(items: list[tuple[str, float]], title: str, *, width: int = 400, bar: int = 24, colour: str | None = None,
         unit: str = "") -> Markup:
    """Horizontal bars with the label left (wrapped over as many lines as it needs) and the value at
    the end of the bar (sized for a dashboard column of about 400 px, so the 14 px text stays 14 px)."""
    items = list(items)
    label_w, gap, line_h = 170, 8, 16
    wrapped = [_wrapped(label) for label, _ in items]
    rows = [max(bar, len(lines) * line_h + 6) for lines in wrapped]
    height = sum(r + gap for r in rows) + 8 if items else bar + gap + 8
    top = max(_numbers(items) + [1])
    scale = (width - label_w - 44) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" class="chart">',
             f"<title>{escape(title)}</title>",
             f"<desc>{escape('; '.join(f'{label}: {_fmt(value)}{unit}' for label, value in items))}</desc>"]
    y = 4
    for i, ((_label, value), lines, row) in enumerate(zip(items, wrapped, rows)):
        w = max(0.0, value * scale) if _is_number(value) else 0.0
        fill = colour or PALETTE[i % len(PALETTE)]
        first = y + row / 2 - (len(lines) - 1) * line_h / 2 + 5
        spans = "".join(f'<tspan x="{label_w - 8}" y="{first + n * line_h:.1f}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        parts.append(f'<text text-anchor="end" font-size="14" fill="{TEXT}">{spans}</text>')
        bar_y = y + (row - bar) / 2
        if _is_number(value):
            parts.append(f'<rect x="{label_w}" y="{bar_y:.1f}" width="{w:.1f}" height="{bar}" fill="{fill}" rx="3"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{bar_y + bar * 0.7:.1f}" font-size="14" font-weight="bold" '
                     f'fill="{TEXT}">{escape(_fmt(value))}{escape(unit)}</text>')
        y += row + gap
    if not items:
        parts.append(f'<text x="8" y="20" font-size="14" fill="{TEXT}">Geen gegevens in deze periode.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every label and value above went through escape()


def nice_axis(top: float) -> tuple[float, float]:
    """The axis maximum and gridline step for values up to `top`: steps of 1, 2 or 5 times a power
    of ten, at most 5 intervals, so every gridline has a round label (never 1.5 shown as "2")."""
    top = max(float(top), 1.0)
    magnitude = 1.0
    while magnitude * 10 <= top:
        magnitude *= 10
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = max(magnitude * factor, 1.0)
        if top / step <= 5:
            break
    intervals = -(-top // step)  # ceiling
    return intervals * step, step


def columns(items: list[tuple[str, float]], title: str, *, width: int = 720, height: int = 220) -> Markup:
    """Vertical columns over time (weeks or months) on round gridlines, with the value above each
    column when there is room; every few labels shown to stay readable."""
    items = list(items)
    left, bottom, top_pad = 36, 44, 20
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top, step = nice_axis(max(_numbers(items) + [1]))
    n = max(1, len(items))
    slot = plot_w / n
    every = max(1, round(n / 12))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'class="chart">', f"<title>{escape(title)}</title>",
             f"<desc>{escape('; '.join(f'{label}: {_fmt(value)}' for label, value in items))}</desc>"]
    for k in range(int(round(top / step)) + 1):
        value = k * step
        y = top_pad + plot_h * (1 - value / top)
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{TEXT}">'
                     f'{escape(_fmt(int(value)))}</text>')
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top if _is_number(value) else 0.0
        x = left + i * slot + slot * 0.15
        if _is_number(value):
            parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{escape(label)}: {escape(_fmt(value))}</title>'
                         f'</rect>')
        if slot >= 24 and value:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{top_pad + plot_h - h - 4:.1f}" text-anchor="middle" '
                         f'font-size="11" font-weight="bold" fill="{TEXT}">{escape(_fmt(value))}</text>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11" fill="{TEXT}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every label and value above went through escape()


def funnel(steps: list[tuple[str, object, object]], title: str) -> Markup:
    """The handover funnel: (label, value, share of the first step in %) per step; a share that is
    not a number (suppressed, or no first step) is left out of the label."""
    labelled = [(f"{label} ({share}%)" if _is_number(share) else label, value) for label, value, share in steps]
    return hbar(labelled, title, colour=PALETTE[0])
