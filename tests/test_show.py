"""``fieldcode show`` prints the units --sentence N and --turn N take (issue 9, point 5)."""

from __future__ import annotations

from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.project import Project


def _run(root, db, *args):
    return CliRunner().invoke(app, ["-C", str(root), "--db", db, *args])


def test_show_turns_and_sentences(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    p.close()
    res = _run(mini_dir, db_url, "show", "a", "--turns")
    assert res.exit_code == 0, res.output
    # MINI_A by hand: five turns, the interviewer's marked; the speaker column is as wide as
    # "Interviewer (interviewer)", 11 + 14 = 25.
    w = 25
    assert res.output.splitlines() == [
        f"    1  {'Interviewer (interviewer)':<{w}}  How long have you lived here?",
        f"    2  {'Jean':<{w}}  Twenty years. The tenants' group runs everything now.",
        f"    3  {'Jean':<{w}}  We meet on Tuesdays.",
        f"    4  {'Interviewer (interviewer)':<{w}}  And the housing?",
        f"    5  {'Jean':<{w}}  Much better since the repairs. Nobody wants to leave.",
        "5 turns in a.md",
    ]
    res = _run(mini_dir, db_url, "show", "a", "--sentences")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == f"    1  {'Interviewer (interviewer)':<{w}}  How long have you lived here?"
    assert lines[2] == f"    3  {'Jean':<{w}}  The tenants' group runs everything now."
    assert lines[-1] == "7 sentences in a.md"
    assert _run(mini_dir, db_url, "show", "a").output == res.output  # sentences are the default


def test_show_numbers_are_the_ones_code_add_takes(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    p.close()
    shown = _run(mini_dir, db_url, "show", "a").output.splitlines()
    for coder, unit in (("ana", "3"), ("ben", "6")):
        res = _run(mini_dir, db_url, "--coder", coder, "code", "add", "a", "housing", "--sentence", unit)
        assert res.exit_code == 0, res.output
    p = Project.open(mini_dir, db=db_url)
    try:
        text = p.store.interview("a.md").text
        coded = {c.coder: text[c.start:c.end] for c in p.store.codings()}
    finally:
        p.close()
    assert shown[2].endswith("  " + coded["ana"]) and shown[5].endswith("  " + coded["ben"])
    assert coded == {"ana": "The tenants' group runs everything now.", "ben": "Much better since the repairs."}


def test_show_refuses_both_flags_and_says_when_no_turns(tmp_path, db_url) -> None:
    root = tmp_path / "s"
    (root / "interviews").mkdir(parents=True)
    from conftest import MINI_CODEBOOK

    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "plain.txt").write_text("No labels here. Two sentences.\n", encoding="utf-8")
    assert _run(root, db_url, "--coder", "ana", "import").exit_code == 0
    res = _run(root, db_url, "show", "plain", "--turns", "--sentences")
    assert res.exit_code == 2 and "choose one of --sentences and --turns" in res.output
    res = _run(root, db_url, "show", "plain", "--turns")
    assert res.exit_code == 0 and "'plain.txt' has no speaker turns" in res.output
    assert _run(root, db_url, "show", "plain").output.splitlines() == [
        "    1  \u2014        No labels here.", "    2  \u2014        Two sentences.", "2 sentences in plain.txt"]


def test_crosstab_by_interview_keeps_long_names_distinguishable(tmp_path, db_url) -> None:
    from rich.console import Console

    from conftest import MINI_CODEBOOK
    from fieldcode import analysis
    from fieldcode.cli.analysis import render_crosstab

    root = tmp_path / "s"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    names = [f"liverpool-improving-0{n}-resident-long-interview" for n in range(1, 5)]
    for name in names:
        (root / "interviews" / f"{name}.txt").write_text("Interviewer: Hi?\nJo: Damp flats here.\n", encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        for coder in ("ana", "ben"):
            p.store.add_coding(f"{names[0]}.txt", "housing", 21, 37, coder)  # "Damp flats here."
        ct = analysis.crosstab(p.store, unit="segments", by=["interview"])
        headers, _ = ct.display("segments")
        # each header is the full name, broken after separators into lines of at most 10 characters
        assert [h.replace("\n", "") for h in headers[1:]] == [f"{n}.txt" for n in names]
        assert all(len(line) <= 10 for h in headers[1:] for line in h.split("\n"))
        console = Console(width=70, record=True, file=open("/dev/null", "w"))
        console.print(render_crosstab(ct, "segments", denominators=False, title="t"))
        shown = console.export_text()
        assert all(f"0{n}-" in shown for n in range(1, 5))  # "01-" is a line of its own
    finally:
        p.close()
