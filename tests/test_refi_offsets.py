"""Position countings of REFI-QDA selections: hand-worked positions, and the fitting that picks
the counting under which selections line up with their text."""

from fieldcode.exchange.offsets import COUNTINGS, Counting, Sel, SourceText, fit, quote_matches

NVIVO = Counting(utf16=True, crlf_as_one=False, bom_counted=False)
ATLAS = Counting(utf16=False, crlf_as_one=True, bom_counted=False)

# "Q: Hi 😀\r\nA: Fine 🙂 thanks\r\n"  — worked out by hand:
#   stored text: "Q: Hi 😀\nA: Fine 🙂 thanks\n"
#   "Fine" starts at code point 11 in the stored text (Q,:,space,H,i,space,😀,\n,A,:,space -> 11).
#   In the file: code points with CRLF = 12; UTF-16 with CRLF as two = 13 (😀 is two units).
RAW = "Q: Hi \U0001F600\r\nA: Fine \U0001F642 thanks\r\n"


def test_map_of_each_counting_by_hand():
    st = SourceText(RAW)
    assert st.text == "Q: Hi \U0001F600\nA: Fine \U0001F642 thanks\n"
    assert st.to_text(Counting(), 12) == 11            # code points, CRLF two
    assert st.to_text(ATLAS, 11) == 11                 # code points, CRLF one
    assert st.to_text(NVIVO, 13) == 11                 # UTF-16, CRLF two
    assert st.to_text(Counting(utf16=True, crlf_as_one=True), 12) == 11
    # "thanks": stored 18..24; UTF-16 + CRLF: 13 + len("Fine ")=5 + 2 (🙂) + 1 (space) = 21 .. 27
    assert st.span(NVIVO, 21, 27) == (18, 24)
    assert st.text[18:24] == "thanks"
    assert st.to_text(NVIVO, 7) is None                # inside the surrogate pair of 😀
    assert st.to_text(Counting(), 8) is None           # between CR (7) and LF (8)
    assert st.to_text(Counting(), 10_000) is None


def test_bom_counted_or_not():
    st = SourceText("\ufeffabc def\n")
    assert st.text == "abc def\n"
    assert st.span(Counting(), 4, 7) == (4, 7)
    assert st.span(Counting(bom_counted=True), 5, 8) == (4, 7)


def test_nfc_and_trailing_whitespace_map():
    # "e" + combining acute is one character once normalised (NFC): positions after it move by one.
    st = SourceText("cafe\u0301 au lait   \n\n\n")
    assert st.text == "caf\u00e9 au lait\n"
    assert st.span(Counting(), 6, 8) == (5, 7)         # "au"
    assert st.span(Counting(), 0, 18) == (0, 13)       # trailing blanks collapse into the final "\n"


def test_quote_matching_rules():
    assert quote_matches("Oh, that was great.\nSee you", "Oh, that was great. See you")
    assert quote_matches("For some reason babies aren't supposed to", "For some reason\u2026")
    assert not quote_matches("damage done by fatty foods is ...", "damage")   # short label, no ellipsis
    assert not quote_matches("something else entirely", "Oh, that was great.")


def _nvivo_case():
    """Many selections, NVivo counting (UTF-16, CRLF as two), names hold the quote."""
    lines = [f"Speaker {i}: line {i} has \U0001F600 and words \U0001F44D here" for i in range(30)]
    raw = "\r\n".join(lines) + "\r\n"
    want = [f"line {i} has \U0001F600 and words" for i in range(0, 30, 3)]
    sels = []
    for w in want:
        cp = raw.index(w)
        start = len(raw[:cp].encode("utf-16-le")) // 2
        end = start + len(w.encode("utf-16-le")) // 2
        sels.append(Sel(w, 0, start, end, w))
    return raw, want, sels


def test_fit_picks_nvivo_counting_and_lands_every_quote():
    raw, want, sels = _nvivo_case()
    st = SourceText(raw)
    f = fit([st], sels)
    assert f.counting == NVIVO
    assert f.ok and f.quoted_ok == len(want)
    assert [st.text[a:b] for a, b in f.spans] == want


def test_fit_picks_atlas_counting_without_quotes():
    # No quote in the names: word boundaries decide.  ATLAS.ti counts a CRLF as one.
    paras = ["First paragraph about housing.", "Second one about jobs.", "Third about the park.",
             "Fourth about buses.", "Fifth about schools and more."] * 4
    raw = "\r\n".join(paras) + "\r\n"
    lf = raw.replace("\r\n", "\n")
    sels = []
    for i, p in enumerate(paras):
        if i % 2:
            continue
        at = lf.index(p, sum(len(x) + 1 for x in paras[:i]))
        sels.append(Sel(f"s{i}", 0, at, at + len(p), f"Quotation {i}"))
    st = SourceText(raw)
    f = fit([st], sels)
    assert f.counting.crlf_as_one and not f.counting.utf16
    assert f.ok
    assert [st.text[a:b] for a, b in f.spans] == [p for i, p in enumerate(paras) if i % 2 == 0]


def test_fit_reports_misfits_when_no_counting_fits():
    st = SourceText("alpha beta gamma\n")
    # A name that is no quote under any counting is a label: judged by word boundaries, and
    # [2, 8) = "pha be" cuts two words; [5, 99) is outside the text.
    sels = [Sel("good", 0, 6, 10, "beta"), Sel("label", 0, 0, 5, "Quotation 1:2"),
            Sel("cut", 0, 2, 8, "Quotation 1:3"), Sel("out", 0, 5, 99, "")]
    f = fit([st], sels)
    assert not f.ok
    assert [i for i, _ in f.misfits] == [2, 3]
    assert "inside a word" in f.misfits[0][1] and "outside the text" in f.misfits[1][1]


def test_every_counting_has_a_distinct_key():
    assert len({c.key for c in COUNTINGS}) == 8
    assert COUNTINGS[0] == Counting()   # the standard's counting wins ties
