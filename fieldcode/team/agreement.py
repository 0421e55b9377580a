"""Intercoder agreement: units, and which coders coded each unit with each code.

Headless (no terminal library); the statistics over what this module builds are in
``fieldcode.team.reliability``.  Every query goes through ``fieldcode.store``.

Units (``UNIT_DEFINITIONS``; the same text is in ``--help``, the README and the export sidecar)
-------------------------------------------------------------------------------------------------
Agreement is measured on the **analysed text** of each interview, as in the crosstab: the text
minus every speaker label and, unless interviewer turns are included, minus the interviewer's
turns.  Each coding is first *clipped* to the analysed text (its characters in labels and left-out
interviewer turns do not count).  Then, for each code separately, a unit is **coded by a coder**
when one of that coder's codings of the code shares at least one analysed character with it:

* ``char``: each character of the analysed text;
* ``word``: each analysed word (``fieldcode.text.WORD_RE``);
* ``sentence``: each stored sentence with at least one analysed character;
* ``turn``: each speaker turn with at least one analysed character (participants' turns; all turns
  with interviewer turns included).  An interview without speaker labels has no turn units;
* ``interview``: the whole interview (presence of the code).

Which coders rated which interview: a coder has **coded an interview** when they have at least one
coding (of any code) in it.  Units of an interview a coder has not coded are *missing* for that
coder, not "not coded": they are left out of that coder's pairs, and Krippendorff's alpha treats
them as missing values.

How it scales: nothing is done per character.  Codings come out of the database as one packed
string per interview and coder; offsets are mapped into a compressed coordinate of analysed
characters (one ``searchsorted``); each coding becomes a range of unit indices; overlapping ranges
of one coder and code are merged; a sweep over the sorted range ends with a bit per coder gives,
for every stretch of units, the set of coders who coded it; and those stretches are summed into
a histogram  code x interview x coder-set.  Every statistic is computed from that small array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fieldcode.errors import InvalidInput
from fieldcode.text import ANALYSED_TEXT_RULE

# fieldcode.analysis and fieldcode.store are imported where they are used, so the CLI can read
# UNITS and UNIT_DEFINITIONS (its help text) without loading the database layer.

UNITS = ("char", "word", "sentence", "turn", "interview")
UNIT_DEFINITIONS = {
    "analysed text": ANALYSED_TEXT_RULE + " Codings are clipped to it.",
    "char": "each character of the analysed text",
    "word": "each analysed word (fieldcode.text.WORD_RE)",
    "sentence": "each stored sentence with at least one analysed character",
    "turn": "each speaker turn with at least one analysed character (participants' turns; all turns "
            "when interviewer turns are included); an interview without speaker labels has no turns",
    "interview": "the whole interview (presence of the code)",
    "coded": "a unit is coded by a coder with a code when one of that coder's codings of the code "
             "shares at least one analysed character with it; each code is judged separately (a unit "
             "a coder coded with several codes counts as coded for each of them)",
    "missing": "a coder has coded an interview when they have at least one coding (any code) in it; "
               "the units of an interview a coder has not coded are missing for that coder",
}
MAX_CODERS = 8


@dataclass
class UnitHistogram:
    """For each code and interview: how many units each set of coders (a bit mask over
    ``coders``) coded, and how many units the interview has.

    ``hist[r, i, mask]`` for ``mask != 0``; the units nobody coded are ``n_units[i]`` minus the
    rest.  ``rated[i]`` is the mask of the coders who coded interview ``i`` at all."""

    unit: str
    coders: list[str]
    keys: list[str]               # code keys, one per row of hist
    interview_ids: list[int]
    n_units: "np.ndarray"          # per interview
    rated: "np.ndarray"            # per interview, bit mask of coders
    hist: "np.ndarray"             # codes x interviews x 2**len(coders), int64


@dataclass
class Scope:
    """What the agreement is measured on (resolved from the front end's options)."""

    interview_ids: list[int]
    names: dict[int, str]
    attributes: dict[int, dict[str, str]]
    coders: list[str]
    keys: list[str]
    code_ids: list[int]
    include_interviewer: bool
    coders_by_interview: dict[int, set[str]]     # every coder with a coding in each interview
    folded: dict[int, int] = field(default_factory=dict)   # --level: code id -> the id it counts as


def resolve_scope(store, *, coders: Sequence[str] | None = None, codes: Sequence[str] | None = None,
                  filters: dict[str, list[str]] | None = None, include_interviewer: bool = False,
                  include_children: bool = False, level: int | None = None) -> Scope:
    """Interviews matching ``filters``; the coders (default: every coder with codings in those
    interviews, in name order; at least two); the codes (default: every live code; a retired
    code only when named).  ``level``: the code tree cut at that depth (1: top-level codes
    only), each deeper code counted as its ancestor there (``folded``)."""
    from fieldcode.analysis import load_code_tree
    from fieldcode.store import q_coders_by_interview, q_interview_rows
    ivs = q_interview_rows(store)
    iids = [iid for iid, (_n, _w, attrs) in ivs.items()
            if not filters or all(attrs.get(k) in set(v) for k, v in filters.items() if v is not None)]
    by_iv = q_coders_by_interview(store, iids)
    present = sorted({c for s in by_iv.values() for c in s})
    if coders:
        coders = list(dict.fromkeys(coders))
        unknown = [c for c in coders if c not in present]
        if unknown:
            raise InvalidInput(f"coder {', '.join(repr(c) for c in unknown)} has no codings in the interviews in "
                               f"scope (coders with codings there: {', '.join(present) or 'none'})")
    else:
        coders = present
    if len(coders) < 2:
        raise InvalidInput("agreement needs two or more coders who coded the interviews in scope; "
                           f"found {len(coders)} ({', '.join(coders) or 'none'}). Name them with --coders A,B")
    if len(coders) > MAX_CODERS:
        raise InvalidInput(f"agreement is computed for at most {MAX_CODERS} coders at once; name them with "
                           "--coders A,B,...")
    tree = load_code_tree(store)
    keys = tree.resolve(list(codes) if codes else None, include_children)
    if keys is None:
        keys = [c.key for c in tree.codes if not c.retired]
    folded = {}
    if level is not None:
        from fieldcode.team.levels import cut_tree

        keys, folded = cut_tree(tree, keys, level)
    return Scope(interview_ids=iids, names={i: ivs[i][0] for i in iids}, attributes={i: ivs[i][2] for i in iids},
                 coders=list(coders), keys=keys, code_ids=[tree.by_key[k].id for k in keys],
                 include_interviewer=include_interviewer, coders_by_interview=by_iv, folded=folded)


# =============================================================================================
# Units in the compressed coordinate of analysed characters
# =============================================================================================


@dataclass
class UnitLayout:
    """Every interview's analysed characters laid end to end ("compressed" coordinate), and the
    units of one kind as ranges of it."""

    unit: str
    iv_char_off: "np.ndarray"      # per interview: offset of its text in the global raw coordinate
    ex_lo: "np.ndarray"            # excluded spans, global raw coordinate, sorted
    ex_hi: "np.ndarray"
    ex_cum: "np.ndarray"           # excluded characters before each excluded span
    iv_c_start: "np.ndarray"       # per interview: first compressed position (len n_iv + 1)
    u_start: "np.ndarray | None"   # units (compressed), None for chars (unit = position)
    u_end: "np.ndarray | None"
    u_iv: "np.ndarray"             # per unit: interview index (chars: per interview boundaries)
    n_units: "np.ndarray"          # per interview
    u_raw_start: "np.ndarray | None" = None   # units in the global raw coordinate
    u_raw_end: "np.ndarray | None" = None

    def decompress(self, c):
        """Compressed positions -> the raw global position of that analysed character."""
        import numpy as np

        c = np.asarray(c, dtype=np.int64)
        if not len(self.ex_lo):
            return c
        lens = self.ex_hi - self.ex_lo
        c_lo = self.ex_lo - self.ex_cum              # compressed position of each excluded span
        j = np.searchsorted(c_lo, c, side="right")   # excluded spans at or before c
        incl = np.concatenate([[0], np.cumsum(lens)])
        return c + incl[j]

    def compress(self, x):
        """Raw global positions -> compressed positions (analysed characters before them)."""
        import numpy as np

        x = np.asarray(x, dtype=np.int64)
        if not len(self.ex_lo):
            return x
        j = np.searchsorted(self.ex_lo, x, side="right") - 1
        jj = np.maximum(j, 0)
        before = np.where(j >= 0, self.ex_cum[jj] + np.minimum(x, self.ex_hi[jj]) - self.ex_lo[jj], 0)
        return x - before

    def unit_range(self, cs, ce):
        """Compressed ranges (non-empty) -> [a, b) unit index ranges they touch."""
        import numpy as np

        if self.u_start is None:
            return cs, ce
        return np.searchsorted(self.u_end, cs, side="right"), np.searchsorted(self.u_start, ce, side="left")

    def interview_of(self, u):
        """Interview index of unit indices ``u``."""
        import numpy as np

        if self.u_start is None:
            return np.searchsorted(self.iv_c_start, u, side="right") - 1
        return self.u_iv[u]


def build_layout(store, scope: Scope, unit: str) -> UnitLayout:
    from fieldcode.analysis import excluded_spans, word_bounds
    from fieldcode.store import q_n_chars, q_sentence_arrays, q_texts, q_turn_spans
    import numpy as np

    if unit not in UNITS:
        raise InvalidInput(f"unknown unit '{unit}' (units: {', '.join(UNITS)})")
    iids = scope.interview_ids
    n_chars = q_n_chars(store, iids)
    turns = q_turn_spans(store, iids)
    lens = np.array([n_chars[i] for i in iids], dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    lo_l, hi_l = [], []
    for k, iid in enumerate(iids):
        for a, b in excluded_spans(turns.get(iid, []), scope.include_interviewer, int(n_chars[iid])):
            lo_l.append(off[k] + a)
            hi_l.append(off[k] + b)
    ex_lo = np.array(lo_l, dtype=np.int64)
    ex_hi = np.array(hi_l, dtype=np.int64)
    ex_cum = np.concatenate([[0], np.cumsum(ex_hi - ex_lo)[:-1]]).astype(np.int64) if len(ex_lo) else ex_lo
    lay = UnitLayout(unit, off[:-1], ex_lo, ex_hi, ex_cum, np.zeros(0, np.int64), None, None,
                     np.zeros(0, np.int64), np.zeros(0, np.int64))
    lay.iv_c_start = lay.compress(off)
    n_an = np.diff(lay.iv_c_start)
    if unit == "char":
        lay.n_units = n_an
        return lay
    starts, ends, owner = [], [], []
    if unit == "interview":
        for k in range(len(iids)):
            starts.append(np.array([0]))
            ends.append(np.array([lens[k]]))
            owner.append(k)
    elif unit == "turn":
        for k, iid in enumerate(iids):
            ts = turns.get(iid, [])
            starts.append(np.array([t.start for t in ts], dtype=np.int64))
            ends.append(np.array([t.end for t in ts], dtype=np.int64))
            owner.append(k)
    elif unit == "sentence":
        sents = q_sentence_arrays(store, iids)
        for k, iid in enumerate(iids):
            s, e = sents.get(iid, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            starts.append(s)
            ends.append(e)
            owner.append(k)
    else:  # word
        texts = q_texts(store, iids)
        for k, iid in enumerate(iids):
            s, e = word_bounds(texts[iid])
            starts.append(s)
            ends.append(e)
            owner.append(k)
    if starts:
        rs = np.concatenate([s.astype(np.int64) + off[k] for s, k in zip(starts, owner)])
        re_ = np.concatenate([e.astype(np.int64) + off[k] for e, k in zip(ends, owner)])
        riv = np.concatenate([np.full(len(s), k, dtype=np.int64) for s, k in zip(starts, owner)])
    else:
        rs = re_ = riv = np.zeros(0, np.int64)
    cs, ce = lay.compress(rs), lay.compress(re_)
    keep = ce > cs
    lay.u_start, lay.u_end, lay.u_iv = cs[keep], ce[keep], riv[keep]
    lay.u_raw_start, lay.u_raw_end = rs[keep], re_[keep]
    lay.n_units = np.bincount(lay.u_iv, minlength=len(iids)).astype(np.int64)
    return lay


# =============================================================================================
# Who coded what: ranges of units per code and coder, and the sweep into coder sets
# =============================================================================================


@dataclass
class Stretches:
    """Maximal runs of units with one non-empty set of coders, per code: ``row`` (code index),
    ``a``/``b`` (unit index range), ``iv`` (interview index), ``mask`` (coders)."""

    row: "np.ndarray"
    a: "np.ndarray"
    b: "np.ndarray"
    iv: "np.ndarray"
    mask: "np.ndarray"


def coded_stretches(store, scope: Scope, layout: UnitLayout) -> tuple[Stretches, "np.ndarray"]:
    """The stretches of units coded by each set of coders, and each interview's rated mask."""
    from fieldcode.store import q_coding_arrays_by_coder
    import numpy as np

    iids = scope.interview_ids
    pos = {iid: k for k, iid in enumerate(iids)}
    cpos = {c: j for j, c in enumerate(scope.coders)}
    row_of_code = {cid: r for r, cid in enumerate(scope.code_ids)}
    row_of_code.update({cid: row_of_code[to] for cid, to in scope.folded.items() if to in row_of_code})
    rated = np.zeros(len(iids), dtype=np.int64)
    for iid, who in scope.coders_by_interview.items():
        if iid in pos:
            for c in who:
                if c in cpos:
                    rated[pos[iid]] |= 1 << cpos[c]
    arrays = q_coding_arrays_by_coder(store, interview_ids=iids, code_ids=list(row_of_code), coders=scope.coders)
    empty = Stretches(*(np.zeros(0, np.int64) for _ in range(5)))
    parts = [(pos[iid], cpos[c], a) for (iid, c), a in arrays.items() if iid in pos and len(a[0])]
    if not parts:
        return empty, rated
    ivk = np.concatenate([np.full(len(a[0]), k, dtype=np.int64) for k, _, a in parts])
    coder = np.concatenate([np.full(len(a[0]), j, dtype=np.int64) for _, j, a in parts])
    cid = np.concatenate([a[0] for _, _, a in parts])
    st = np.concatenate([a[1] for _, _, a in parts])
    en = np.concatenate([a[2] for _, _, a in parts])
    lut = np.full(int(cid.max()) + 1, -1, dtype=np.int64)
    for c_id, r in row_of_code.items():
        if c_id < len(lut):
            lut[c_id] = r
    row = lut[cid]
    gs = layout.compress(layout.iv_char_off[ivk] + st)
    ge = layout.compress(layout.iv_char_off[ivk] + en)
    ok = (ge > gs) & (row >= 0)
    a, b = layout.unit_range(gs[ok], ge[ok])
    row, coder = row[ok], coder[ok]
    ok = b > a
    a, b, row, coder = a[ok], b[ok], row[ok], coder[ok]
    if not len(a):
        return empty, rated
    total = int(layout.n_units.sum()) + 1
    m = len(scope.coders)
    # merge each coder's overlapping ranges of one code (touching ranges may stay apart)
    grp = row * m + coder
    ka, kb = grp * total + a, grp * total + b
    order = np.argsort(ka, kind="stable")
    ka, kb, grp = ka[order], kb[order], grp[order]
    run = np.maximum.accumulate(kb)
    new = np.ones(len(ka), dtype=bool)
    new[1:] = ka[1:] >= run[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(ka) - 1)
    g = grp[first]
    ma, mb = ka[first] - g * total, run[last] - g * total
    mrow, mbit = g // m, np.left_shift(1, g % m)
    # sweep: +bit at each range start, -bit at its end, per code
    keys = np.concatenate([mrow * total + ma, mrow * total + mb])
    delta = np.concatenate([mbit, -mbit])
    upos, inv = np.unique(keys, return_inverse=True)
    mask = np.cumsum(np.bincount(inv, weights=delta, minlength=len(upos)).astype(np.int64))
    keep = mask[:-1] != 0
    s0, s1, mk = upos[:-1][keep], upos[1:][keep], mask[:-1][keep]
    srow = s0 // total
    sa, sb = s0 - srow * total, s1 - srow * total
    return Stretches(srow, sa, sb, layout.interview_of(sa), mk), rated


def unit_histogram(store, scope: Scope, unit: str) -> UnitHistogram:
    """Units per code x interview x set of coders (see :class:`UnitHistogram`)."""
    import numpy as np

    layout = build_layout(store, scope, unit)
    st, rated = coded_stretches(store, scope, layout)
    n_iv, n_rows, n_masks = len(scope.interview_ids), len(scope.keys), 1 << len(scope.coders)
    key = (st.row * n_iv + st.iv) * n_masks + st.mask
    hist = np.bincount(key, weights=(st.b - st.a), minlength=n_rows * n_iv * n_masks)
    hist = np.rint(hist).astype(np.int64).reshape(n_rows, n_iv, n_masks)
    return UnitHistogram(unit=unit, coders=list(scope.coders), keys=list(scope.keys),
                         interview_ids=list(scope.interview_ids), n_units=layout.n_units.astype(np.int64),
                         rated=rated, hist=hist)


# =============================================================================================
# Where two coders differ (``fieldcode disagreements`` and the review screen)
# =============================================================================================


@dataclass(frozen=True)
class Disagreement:
    """A unit where two coders differ on at least one code.  ``start``/``end``: the unit's raw
    offsets in the interview (for the char unit: a maximal stretch where one coder coded the
    code and the other did not).  ``codes``: coder -> the codes (keys) that coder put on the
    unit; ``differing``: the codes only one of them put there."""

    interview_id: int
    interview: str
    start: int
    end: int
    codes: dict[str, list[str]]
    differing: list[str]


def disagreements(store, *, coders: Sequence[str], unit: str = "sentence", codes: Sequence[str] | None = None,
                  filters: dict[str, list[str]] | None = None, include_interviewer: bool = False) -> list[Disagreement]:
    """Every unit of the interviews both coders coded where exactly one of them coded it with a
    code, in interview name and text order.  Units are those of the agreement (``UNITS``)."""
    import numpy as np

    if len(list(coders)) != 2:
        raise InvalidInput("disagreements compares two coders: --coders A,B")
    scope = resolve_scope(store, coders=coders, codes=codes, filters=filters, include_interviewer=include_interviewer)
    lay = build_layout(store, scope, unit)
    st, rated = coded_stretches(store, scope, lay)
    both = (rated & 3) == 3
    keep = both[st.iv] if len(st.iv) else np.zeros(0, dtype=bool)
    row, a, b, iv, mask = st.row[keep], st.a[keep], st.b[keep], st.iv[keep], st.mask[keep]
    # per unit (or, for chars, per stretch): coder -> codes, and the codes they differ on
    items: dict[tuple[int, int, int], tuple[dict[str, set], set]] = {}
    if unit == "char":
        for r, aa, bb, ii, m in zip(row.tolist(), a.tolist(), b.tolist(), iv.tolist(), mask.tolist()):
            if m in (1, 2):
                k = (ii, aa, bb)
                who, diff = items.setdefault(k, ({c: set() for c in scope.coders}, set()))
                who[scope.coders[0 if m == 1 else 1]].add(scope.keys[r])
                diff.add(scope.keys[r])
    else:
        n = b - a
        idx = np.concatenate([np.arange(x, y) for x, y in zip(a.tolist(), b.tolist())]) if len(a) else np.zeros(0, np.int64)
        rows_u = np.repeat(row, n)
        mask_u = np.repeat(mask, n)
        coded_by: dict[int, tuple[dict[str, set], set]] = {}
        for uu, r, m in zip(idx.tolist(), rows_u.tolist(), mask_u.tolist()):
            who, diff = coded_by.setdefault(uu, ({c: set() for c in scope.coders}, set()))
            for j, c in enumerate(scope.coders):
                if m >> j & 1:
                    who[c].add(scope.keys[r])
            if m in (1, 2):
                diff.add(scope.keys[r])
        for uu, (who, diff) in coded_by.items():
            if diff:
                items[(int(lay.u_iv[uu]), uu, uu + 1)] = (who, diff)
    order = {k: i for i, k in enumerate(scope.keys)}
    out: list[Disagreement] = []
    for (ii, aa, bb), (who, diff) in items.items():
        if unit == "char":
            rs = int(lay.decompress(np.array([aa]))[0])
            re_ = int(lay.decompress(np.array([bb - 1]))[0]) + 1
        else:
            rs, re_ = int(lay.u_raw_start[aa]), int(lay.u_raw_end[aa])
        off = int(lay.iv_char_off[ii])
        iid = scope.interview_ids[ii]
        out.append(Disagreement(iid, scope.names[iid], rs - off, re_ - off,
                                {c: sorted(v, key=order.get) for c, v in who.items()}, sorted(diff, key=order.get)))
    out.sort(key=lambda d: (d.interview, d.start, d.end))
    return out
