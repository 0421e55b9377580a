"""How the analysis screen draws: cell shading, column headers, and the bar chart of
per-pair differences (plotext when installed, plain text otherwise)."""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual.color import Color


def shade(value: float, vmax: float, base: Color, accent: Color) -> Style:
    """Background from ``base`` towards ``accent`` in proportion to value / vmax; the text
    colour is whichever of black/white reads best on it."""
    if not vmax or not value or math.isnan(value):
        return Style(dim=True)
    ratio = max(0.0, min(1.0, abs(value) / vmax))
    bg = base.blend(accent, 0.18 + 0.72 * ratio)
    fg = Color(0, 0, 0) if bg.brightness > 0.55 else Color(255, 255, 255)
    return Style(bgcolor=bg.rich_color, color=fg.rich_color)


def wrap_name(name: str, width: int = 12) -> str:
    """An interview name for a column header: without its extension, broken after hyphens
    into lines of about ``width`` characters."""
    from fieldcode.tui.widgets import short_name

    lines: list[str] = []
    for part in short_name(name).split("-"):
        piece = part + "-"
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    if lines:
        lines[-1] = lines[-1][:-1]
    return "\n".join(lines)


def draw_bars(plt, labels: list[str], values: list[float]) -> None:  # noqa: ANN001
    """Horizontal bars from 0, green where the focal arm is higher and red where lower.  One
    call per colour: plotext spreads a per-bar colour list over the bars' points in hash order,
    which mixes colours and changes from run to run."""
    for colour, keep in (("green", lambda d: d > 0), ("red", lambda d: d < 0)):
        plt.bar(labels, [v if keep(v) else 0.0 for v in values], orientation="horizontal", color=colour,
                width=0.5)
    plt.vline(0, "gray")


def text_bars(labels: list[str], values: list[float], width: int) -> Text:
    """A plain bar chart (no plotting library installed): one line per bar, 0 in the middle."""
    pad = max((len(x) for x in labels), default=0)
    half = max(4, (width - pad - 3) // 2)
    vmax = max((abs(v) for v in values), default=0.0) or 1.0
    t = Text()
    for label, v in zip(labels, values):
        n = round(half * abs(v) / vmax)
        t.append(label.rjust(pad) + " ")
        t.append(" " * (half - n) + ("█" * n if v < 0 else ""), style="red")
        t.append("│")
        t.append("█" * n if v > 0 else "", style="green")
        t.append("\n")
    return t


def format_unit(unit: str, v: float) -> str:
    """A crosstab value as the screen prints it: rates to one decimal, the rest to two."""
    if unit in ("per1000",):
        return f"{v:.1f}"
    return f"{v:.2f}"
