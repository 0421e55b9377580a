"""The report's figures, drawn by matplotlib (no pyplot: a Figure and its own canvas, so no
global state), as SVG for the HTML and Markdown and as PNG for Word.

Deterministic: the SVG's ids come from ``svg.hashsalt`` (fixed per figure), its metadata has no
date, text stays text (``svg.fonttype: none``), and the PNG carries no software or date stamp:
the same data give the same bytes.
"""

from __future__ import annotations

import io
import math

from fieldcode.report.model import Figure

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
RC = {"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10, "font.family": "DejaVu Sans",
      "axes.spines.top": False, "axes.spines.right": False}


def _nan(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _lines(fig, spec: Figure) -> None:  # noqa: ANN001
    n = max(1, len(spec.panels))
    axes = fig.subplots(1, n, squeeze=False, sharey=True)[0]
    for ax, panel in zip(axes, spec.panels):
        for i, s in enumerate(panel.series):
            colour = COLOURS[i % len(COLOURS)]
            ax.plot(s.xs, s.ys, marker="o", markersize=3, linewidth=1.4, color=colour, label=s.label,
                    drawstyle="steps-post")
            if s.mark is not None:
                ax.axvline(s.mark, color=colour, linestyle="--", linewidth=0.9)
        ax.set_title(panel.title)
        ax.set_xlabel(panel.xlabel)
        ax.grid(True, linewidth=0.3, alpha=0.6)
        if panel.series:
            ax.legend(fontsize=7, frameon=False, loc="lower right")
    axes[0].set_ylabel(spec.panels[0].ylabel if spec.panels else "")


def _intervals(fig, spec: Figure) -> None:  # noqa: ANN001
    panel = spec.panels[0]
    ax = fig.subplots()
    k = max(1, len(panel.series))
    step = 0.7 / k
    for i, s in enumerate(panel.series):
        colour = COLOURS[i % len(COLOURS)]
        off = (i - (k - 1) / 2) * step
        ys = [len(panel.ticks) - 1 - y + off for y in range(len(s.ys))]
        pts = [(x, y) for x, y in zip(s.ys, ys) if not _nan(x)]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o", color=colour, markersize=4, label=s.label)
        else:
            ax.plot([], [], "o", color=colour, markersize=4, label=s.label)
        for j, (lo, hi) in enumerate(zip(s.low, s.high)):
            if not (_nan(lo) or _nan(hi)):
                ax.plot([lo, hi], [ys[j], ys[j]], color=colour, linewidth=1.2)
    ax.set_yticks(range(len(panel.ticks)), list(reversed(panel.ticks)))
    ax.axvline(0, color="#444444", linewidth=0.7)
    ax.set_xlabel(panel.xlabel)
    ax.grid(True, axis="x", linewidth=0.3, alpha=0.6)
    if ax.get_legend_handles_labels()[0]:      # nothing to name when no series has a label
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _heatmap(fig, spec: Figure) -> None:  # noqa: ANN001
    import numpy as np

    panel = spec.panels[0]
    data = np.array([list(s.ys) for s in panel.series], dtype=float).reshape(len(panel.series), len(spec.columns))
    ax = fig.subplots()
    masked = np.ma.masked_invalid(data)
    # vector cells (pcolormesh), each labelled with its value: no raster image, no colour bar needed
    ax.pcolormesh(np.arange(data.shape[1] + 1) - 0.5, np.arange(data.shape[0] + 1) - 0.5, masked, cmap="Blues",
                  vmin=0, edgecolors="white", linewidth=0.5)
    ax.set_ylim(data.shape[0] - 0.5, -0.5)
    finite = data[np.isfinite(data)]
    top = float(finite.max()) if finite.size else 0.0
    for (r, c), v in np.ndenumerate(data):
        if not math.isnan(v):
            ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=7,
                    color="white" if top and v > 0.6 * top else "black")
    ax.set_xticks(range(len(spec.columns)), list(spec.columns), rotation=35, ha="right")
    ax.set_yticks(range(len(panel.series)), [s.label.strip() for s in panel.series])
    ax.spines[["left", "bottom"]].set_visible(False)


DRAW = {"lines": _lines, "intervals": _intervals, "heatmap": _heatmap}


def _size(spec: Figure) -> tuple[float, float]:
    if spec.kind == "lines":
        return (min(11.0, 3.6 * max(1, len(spec.panels))), 3.4)
    rows = len(spec.panels[0].ticks) if spec.kind == "intervals" else len(spec.panels[0].series)
    return (9.0, max(2.5, 0.32 * rows + 1.3))


def figure(spec: Figure):  # noqa: ANN201
    """A matplotlib Figure of ``spec`` (not attached to pyplot)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=_size(spec), layout="constrained")
    DRAW[spec.kind](fig, spec)
    return fig


def _svg_text(fig) -> str:  # noqa: ANN001
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _png_bytes(fig, dpi: int) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def render(spec: Figure, *, svg: bool = True, png: bool = False, dpi: int = 120) -> tuple[str | None, bytes | None]:
    """(SVG document without its XML prolog, so it can be inlined in HTML; PNG for Word, which
    does not take SVG everywhere), drawn once; None for a format not asked for."""
    import matplotlib

    with matplotlib.rc_context({**RC, "svg.hashsalt": f"fieldcode-{spec.name}"}):
        fig = figure(spec)
        text = _svg_text(fig) if svg else None
        if svg and png:
            fig.set_layout_engine("none")   # laid out by the first save: the second keeps it
        return text, (_png_bytes(fig, dpi) if png else None)


def svg(spec: Figure) -> str:
    """The figure as an SVG document (no XML prolog: it can be inlined in HTML as it is)."""
    return render(spec)[0]


def png(spec: Figure, dpi: int = 120) -> bytes:
    """The figure as PNG."""
    return render(spec, svg=False, png=True, dpi=dpi)[1]


__all__ = ["render", "svg", "png", "figure", "COLOURS"]
