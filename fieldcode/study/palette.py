"""Code colours: a default palette of colours that are distinct from one another and readable on
the coding screen's dark background, and the measures that check it.

* :func:`contrast` — WCAG 2 contrast ratio of two sRGB colours (1:1 .. 21:1).
* :func:`delta_e` — CIEDE2000 colour difference in CIELAB (D65); about 2 is "just noticeable",
  and colours used side by side as labels want well over 10.
* :data:`PALETTE` — the default colours, in the order new codes take them; each has at least
  4.5:1 contrast on :data:`BACKGROUND` and every pair differs by at least
  :data:`MIN_DELTA_E` (both checked by a test).
* :func:`next_colour` — the palette colour farthest from the colours already in use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

BACKGROUND = "#1a1a1a"      # the transcript's background
MIN_CONTRAST = 4.5          # WCAG AA for normal text
MIN_DELTA_E = 15.0

# Chosen by a greedy max-min CIEDE2000 search over the xterm 6x6x6 colour cube (saturated
# colours with >= 4.5:1 contrast on the background), starting from #5fafff (kept here as plain values, so the palette never shifts between versions).
PALETTE = [
    "#5fafff", "#ffff00", "#ff5f00", "#ff00d7", "#00af87", "#878700", "#afffff", "#ffafaf",
    "#ffaf00", "#00ff5f", "#d7afff", "#af875f", "#d75f5f", "#00af00", "#ffd7af", "#8787ff",
]


def rgb(colour: str) -> tuple[int, int, int]:
    h = colour.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _linear(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def lab(colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in rgb(colour))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(c1: str, c2: str) -> float:
    """CIEDE2000 (Sharma, Wu & Dalal 2005)."""
    L1, a1, b1 = lab(c1)
    L2, a2, b2 = lab(c2)
    C1, C2 = math.hypot(a1, b1), math.hypot(a2, b2)
    Cm = (C1 + C2) / 2
    G = 0.5 * (1 - math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if C1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if C2p else 0.0
    dLp, dCp = L2 - L1, C2p - C1p
    if C1p * C2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dHp = 2 * math.sqrt(C1p * C2p) * math.sin(math.radians(dhp / 2))
    Lm, Cmp = (L1 + L2) / 2, (C1p + C2p) / 2
    if C1p * C2p == 0:
        hm = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hm = (h1p + h2p) / 2
    else:
        hm = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    T = (1 - 0.17 * math.cos(math.radians(hm - 30)) + 0.24 * math.cos(math.radians(2 * hm))
         + 0.32 * math.cos(math.radians(3 * hm + 6)) - 0.20 * math.cos(math.radians(4 * hm - 63)))
    dtheta = 30 * math.exp(-(((hm - 275) / 25) ** 2))
    Rc = 2 * math.sqrt(Cmp ** 7 / (Cmp ** 7 + 25 ** 7))
    Sl = 1 + 0.015 * (Lm - 50) ** 2 / math.sqrt(20 + (Lm - 50) ** 2)
    Sc, Sh = 1 + 0.045 * Cmp, 1 + 0.015 * Cmp * T
    Rt = -math.sin(math.radians(2 * dtheta)) * Rc
    return math.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh))


def next_colour(in_use: Iterable[str]) -> str:
    """The palette colour farthest (CIEDE2000) from every colour already in use; the first
    unused palette colour wins ties, so a fresh codebook takes the palette in order."""
    used = []
    for c in in_use:
        try:
            rgb(c)
        except ValueError:
            continue
        used.append(c.lower())
    best, best_d = PALETTE[0], -1.0
    for cand in PALETTE:
        d = min((delta_e(cand, u) for u in used), default=math.inf)
        if d > best_d + 1e-9:
            best, best_d = cand, d
    return best
