"""The study search screen (/ in the coding screen), driven by real key presses (Pilot).

Expected hits are worked out independently of the search engine: a plain regular expression
over the stored texts (read with plain SQL), leaving out matches that start in an interviewer
turn (the turn table's is_interviewer column)."""

from __future__ import annotations

import re

from sqlalchemy import text as sql
from textual.widgets import Input, Label, OptionList

from fieldcode.tui import make_app
from fieldcode.tui.study_search import StudySearchScreen
from test_tui import IV, project, ready, study, tui_template  # noqa: F401 - fixtures

OTHER = "liverpool-improving-01-resident"


def expected_hits(store, pattern: str, *, interviewer: bool = False) -> list[tuple[str, int, int]]:
    """(interview name, start, end) of every match of ``pattern`` (case ignored), by name then offset."""
    out = []
    with store.engine.connect() as c:
        ivs = c.execute(sql("SELECT id, name, text FROM interview ORDER BY name")).all()
        for iid, name, text in ivs:
            turns = c.execute(sql("SELECT start, \"end\", is_interviewer FROM turn WHERE interview_id = :i"),
                              {"i": iid}).all()
            for m in re.finditer(pattern, text, flags=re.IGNORECASE):
                in_interviewer = any(a <= m.start() < b and bool(isint) for a, b, isint in turns)
                if interviewer or not in_interviewer:
                    out.append((name, m.start(), m.end()))
    return out


def phrase(words: str) -> str:
    return r"(?<!\w)" + r"\s+".join(map(re.escape, words.split())) + r"(?!\w)"


async def open_search(pilot, app) -> StudySearchScreen:
    await pilot.press("slash")
    await pilot.pause()
    assert isinstance(app.screen, StudySearchScreen)
    return app.screen


async def results(pilot, screen: StudySearchScreen) -> None:
    for _ in range(400):
        await pilot.pause(0.05)
        if not screen.busy:
            break
    assert not screen.busy
    await pilot.pause()


def listed(screen: StudySearchScreen) -> tuple[list[str], list[tuple[str, int, int]], list[str]]:
    """From the OptionList: interview headers in order, the hits (via each option's id) and the
    rendered prompt text of each hit option."""
    ol = screen.query_one("#hits", OptionList)
    headers, hits, prompts = [], [], []
    for i in range(ol.option_count):
        opt = ol.get_option_at_index(i)
        if opt.id.startswith("iv-"):
            headers.append(str(opt.prompt))
        else:
            h = screen.shown[int(opt.id)].hit
            hits.append((h.interview, h.start, h.end))
            prompts.append(str(opt.prompt))
    return headers, hits, prompts


async def test_exact_phrase_lists_every_hit_current_interview_first_and_enter_opens_it(project):
    store = project.store
    want = expected_hits(store, phrase("the council"))
    current = store.interview(OTHER)            # not the first interview by name
    n_cur = sum(1 for n, *_ in want if n == current.name)
    assert len({n for n, *_ in want}) >= 5 and n_cur >= 2 and want[0][0] != current.name
    # the open interview's hits first, then the others by name (text order within each)
    ordered = [h for h in want if h[0] == current.name] + [h for h in want if h[0] != current.name]
    app = make_app(project, OTHER)
    async with app.run_test(size=(120, 40)) as pilot:
        coding = await ready(app, pilot)
        screen = await open_search(pilot, app)
        await pilot.press(*"the council")
        await pilot.press("ctrl+t")                     # lemma -> exact phrase
        await pilot.press("enter")
        await results(pilot, screen)
        headers, hits, prompts = listed(screen)
        assert hits == ordered
        assert headers[0].startswith(current.name.removesuffix(".md")) and "(open)" in headers[0]
        assert [h.split()[0] for h in headers] == list(dict.fromkeys(n.removesuffix(".md") for n, *_ in ordered))
        texts = {n: store.interview(n).text for n in {n for n, *_ in ordered}}
        for (name, a, b), prompt in zip(hits, prompts):
            assert f"@{a}" in prompt                       # position
            assert " ".join(texts[name][a:b].split()) in prompt   # the hit in its context
        count = str(screen.query_one("#count", Label).render())
        assert count.startswith(f"{len(want)} hits in {len({n for n, *_ in want})} of 14 interviews (exact phrase)")
        # ctrl+o: interviewer turns too (the re-run is automatic)
        with_int = expected_hits(store, phrase("the council"), interviewer=True)
        assert len(with_int) > len(want)
        await pilot.press("ctrl+o")
        await results(pilot, screen)
        assert sorted(listed(screen)[1]) == sorted(with_int)
        await pilot.press("ctrl+o")
        await results(pilot, screen)
        # Enter on the first listed hit of another interview than the open one
        ol = screen.query_one("#hits", OptionList)
        ol.focus()
        target = ordered[n_cur]
        assert target[0] != current.name
        first = ol.highlighted
        await pilot.press(*["down"] * n_cur)
        assert ol.highlighted != first
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is coding and coding.iv_name == target[0]
        assert coding.transcript.selection_offsets == target[1:]
        # the coder codes it with a hotkey: ana's coding on exactly that span
        await pilot.press("1")
        await pilot.pause()
        rows = [(c.coder, c.start, c.end) for c in store.codings() if c.interview_id == coding.iv_id]
        assert rows == [("ana", *target[1:])]
        # F3 / > step through this search's hits in the open transcript, < back
        in_iv = [h[1:] for h in ordered if h[0] == target[0]]
        if len(in_iv) > 1:
            k = in_iv.index(target[1:])
            await pilot.press("f3")
            assert coding.transcript.selection_offsets == in_iv[(k + 1) % len(in_iv)]
            await pilot.press("less_than_sign")
            assert coding.transcript.selection_offsets == target[1:]
        # / reopens with the last query
        screen = await open_search(pilot, app)
        assert screen.query_one("#query", Input).value == "the council"
        await results(pilot, screen)
        assert len(listed(screen)[1]) == len(want)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is coding


async def test_regex_mode_and_a_bad_pattern(project):
    store = project.store
    pattern = r"\bginnels?\b"
    want = expected_hits(store, pattern)
    assert want
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        coding = await ready(app, pilot)
        before = store.last_event_id()
        screen = await open_search(pilot, app)
        await pilot.press("ctrl+t", "ctrl+t")        # lemma -> exact -> regex
        screen.query_one("#query", Input).focus()
        await pilot.press(*pattern, "enter")
        await results(pilot, screen)
        assert sorted(listed(screen)[1]) == sorted(want)
        assert "(regex)" in str(screen.query_one("#count", Label).render())
        # an invalid expression: a message on the screen, no crash, nothing written
        assert screen.query_one("#hits", OptionList).has_focus   # Enter took the coder to the hits
        await pilot.press("slash")                                # / back to the query
        assert screen.query_one("#query", Input).has_focus
        await pilot.press("ctrl+a", "ctrl+k", *"(unclosed", "enter")
        assert app.screen is screen
        await results(pilot, screen)
        msg = str(screen.query_one("#count", Label).render())
        assert "Search failed" in msg and "not a valid regular expression" in msg
        assert listed(screen)[1] == []
        await pilot.press("ctrl+a", "ctrl+k", *"a/b")          # in the query box / is just a character
        assert screen.query_one("#query", Input).value == "a/b" and app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is coding and store.last_event_id() == before


async def test_ctrl_f_still_finds_in_the_open_transcript(project):
    text = project.store.interview(IV).text
    starts = [m.start() for m in re.finditer("ginnel", text, flags=re.IGNORECASE)]
    app = make_app(project, IV)
    async with app.run_test(size=(120, 40)) as pilot:
        coding = await ready(app, pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*"ginnel", "enter")
        await pilot.pause()
        assert coding.transcript.selection_offsets == (starts[0], starts[0] + 6)
        await pilot.press("greater_than_sign")
        assert coding.transcript.selection_offsets == (starts[1], starts[1] + 6)


async def test_study_search_fits_80x24(project):
    store = project.store
    want = expected_hits(store, phrase("moved away"))
    app = make_app(project, IV)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        screen = await open_search(pilot, app)
        await pilot.press(*"moved away", "ctrl+t", "enter")
        await results(pilot, screen)
        assert sorted(listed(screen)[1]) == sorted(want)
        ol = screen.query_one("#hits", OptionList)
        assert ol.region.height >= 10 and ol.region.right <= 80
        for w in (screen.query_one("#query"), screen.query_one("#mode"), screen.query_one("#interviewer")):
            assert w.region.right <= 80 and w.region.height >= 1
        lines = ["".join(seg.text for seg in ol.render_line(y)) for y in range(ol.size.height)]
        shown = "\n".join(lines)
        # every hit's interview header, position and match are on screen, within 80 columns
        for name, a, _b in want:
            assert name.removesuffix(".md") in shown and f"@{a}" in shown
        assert shown.lower().count("moved away") == len(want)
        assert all(len(line) <= 80 for line in lines)
        # nothing wraps at 80 columns: one line per interview heading, two per hit
        headers, hits, _ = listed(screen)
        assert ol.virtual_size.height == len(headers) + 2 * len(hits)
