"""Two coding screens on one SQLite file, driven by real keys: A codes and presses ctrl+z, B
codes, A presses ctrl+y — B's coding stays, and B's ctrl+z then removes only B's own coding.
(The earlier release lost B's coding here: SQLite reissued the freed id, and redo restored
"coding #N" over it.)"""

from __future__ import annotations

from fieldcode.project import Project
from fieldcode.tui import make_app

from test_tui import IV, ready, study, tui_template  # noqa: F401  (fixtures)


def mine(p: Project, coder: str):
    return sorted((c.uid, c.code_id, c.start, c.end) for c in p.store.codings(coder=coder))


async def test_two_screens_undo_redo_never_touch_the_other_coder(study):  # noqa: F811
    a = Project.open(study, coder="ana")
    b = Project.open(study, coder="ben")
    iv = a.store.interview(IV)
    lead = a.store.code("leadership").id
    try:
        app_a, app_b = make_app(a, IV), make_app(b, IV)
        async with app_a.run_test(size=(120, 40)) as pa, app_b.run_test(size=(120, 40)) as pb:
            await ready(app_a, pa)
            await ready(app_b, pb)
            await pa.press("down", "down", "s", "1")          # A codes a sentence with hotkey 1
            await pa.pause()
            (ana1,) = mine(a, "ana")
            await pa.press("ctrl+z")
            await pa.pause()
            assert mine(a, "ana") == []
            await pb.press("down", "down", "s", "1")          # B codes the same sentence
            await pb.pause()
            (ben1,) = mine(b, "ben")
            assert ben1[0] != ana1[0] and (ben1[2], ben1[3]) == (ana1[2], ana1[3])
            await pa.press("ctrl+y")                          # A redoes her coding
            await pa.pause()
            assert mine(a, "ana") == [ana1]
            assert mine(a, "ben") == [ben1]                   # B's coding is still there
            await pb.press("ctrl+z")                          # B undoes: only B's coding goes
            await pb.pause()
            assert mine(a, "ben") == []
            assert mine(a, "ana") == [ana1]
            assert {c.id for c in a.store.codings()} == {a.store.codings(coder="ana")[0].id}
            assert ana1[1] == lead
        # every add in the log names its own coding number
        adds = [e for e in a.store.events(interview_id=iv.id, limit=100) if e.action == "add"]
        assert len({e.coding_id for e in adds}) == len(adds) == 2
    finally:
        a.close()
        b.close()


async def test_undo_in_the_screen_after_a_reimport_uses_the_new_positions(study):  # noqa: F811
    a = Project.open(study, coder="ana")
    try:
        iv = a.store.interview(IV)
        quote = "Eleven years."
        s = iv.text.index(quote)
        c = a.store.add_coding(iv.id, "leadership", s, s + len(quote), "ana")
        a.store.remove_coding(c.id, "ana")
        f = study / "interviews" / IV
        f = f if f.exists() else next((study / "interviews").glob(IV + ".*"))
        body = f.read_text(encoding="utf-8")
        cut = body.rindex("\n\n", 0, body.index(quote)) + 2        # a paragraph added before the passage
        f.write_text(body[:cut] + "Interviewer: (A note added later.)\n\n" + body[cut:].replace(quote, "Oh, eleven years now."),
                     encoding="utf-8")
        assert a.import_files(reanchor=True).ok
        text = a.store.interview(IV).text
        app = make_app(a, IV)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(app, pilot)
            await pilot.press("ctrl+z")
            await pilot.pause()
            (back,) = a.store.codings(coder="ana")
            # "E" was replaced by "Oh, e": the start moves to where the replacement begins
            assert text[back.start:back.end] == "Oh, eleven years now." and back.start > s
            assert screen.transcript.cursor_offset == back.start     # the cursor is on the coding as it is now
    finally:
        a.close()
