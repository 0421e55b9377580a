"""The agreement panel (A) driven by real keys, on a real SQLite copy of the bundled study coded by
ana and ben (examples/codings.csv): every figure it shows must be the figure 'fieldcode agreement
--format csv' prints for the same options, at two units and by arm.  The CSV is read with the csv
module and formatted here (3 decimals, a dash when empty), not by the panel's code."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldcode import cli
from fieldcode.project import Project
from fieldcode.tui import make_app
from fieldcode.tui.agreement_panel import AgreementPanel
from fieldcode.tui.coding import CodingScreen


@pytest.fixture
def study(coded_study):
    return coded_study


def cli_rows(p, *args) -> list[dict]:
    r = CliRunner().invoke(cli.app, ["--project", str(p.root), "--db", p.store.url, "agreement", "--format", "csv", *args])
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout)))


def three(v: str) -> str:
    return "—" if v == "" else f"{float(v):.3f}"


async def ready(app, pilot) -> None:
    for _ in range(300):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
            return
    raise AssertionError("the coding screen did not open")


async def settle(screen, pilot) -> None:
    for _ in range(600):
        await pilot.pause()
        if not screen.busy:
            await pilot.pause()
            return
    raise AssertionError("the agreement did not finish")


async def open_panel(app, pilot) -> AgreementPanel:
    """From the coding screen, A: the panel, once its first figures are computed."""
    await ready(app, pilot)
    await pilot.press("A")
    screen = app.screen
    assert isinstance(screen, AgreementPanel)
    await settle(screen, pilot)
    return screen


def shown(screen) -> dict[str, dict[str, str]]:
    """code key -> column key -> the cell's text, read off the DataTable."""
    from textual.widgets import DataTable

    dt = screen.query_one(DataTable)
    out = {}
    for rk in dt.rows:
        out[rk.value] = {ck.value: str(dt.get_cell(rk, ck)) for ck in dt.columns if ck.value != "code"}
    return out


def check_overall(table: dict, rows: list[dict]) -> int:
    n = 0
    for r in rows:
        assert r["group"] == "(all)" and r["coders"] == "ana+ben"
        cells = table[r["code"]]
        assert cells["units:(all)"] == f"{int(r['units']):,}", r["code"]
        assert cells["coded:(all)"] == f"{int(r['coded_units']):,}", r["code"]
        assert cells["observed:(all)"] == three(r["observed_agreement"]), r["code"]
        assert cells["positive:(all)"] == three(r["positive_agreement"]), r["code"]
        assert cells["kappa:ana/ben:(all)"] == three(r["cohen_kappa"]), r["code"]
        assert cells["alpha:(all)"] == three(r["krippendorff_alpha"]), r["code"]
        n += 1
    return n


async def test_panel_shows_the_cli_figures_at_two_units_and_by_arm(study):
    app = make_app(study)
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_panel(app, pilot)
        assert screen.unit == "sentence"
        rows = cli_rows(study, "--unit", "sentence")
        table = shown(screen)
        assert set(table) == {r["code"] for r in rows}       # every code and '(all codes)'
        assert check_overall(table, rows) >= 10
        # a figure that differs between units, so the test fails if the unit is not passed on
        sentence_alpha = table["(all codes)"]["alpha:(all)"]

        await pilot.press("u")                               # sentence -> turn
        await settle(screen, pilot)
        assert screen.unit == "turn"
        rows = cli_rows(study, "--unit", "turn")
        table = shown(screen)
        check_overall(table, rows)
        assert table["(all codes)"]["alpha:(all)"] != sentence_alpha

        await pilot.press("b")                               # by arm
        await settle(screen, pilot)
        rows = cli_rows(study, "--unit", "turn", "--by", "arm")
        table = shown(screen)
        arms = [g for g in dict.fromkeys(r["group"] for r in rows) if g not in ("(all)", "(missing)")]
        assert arms == ["improving", "lagging"]
        checked = 0
        for r in rows:
            if r["group"] not in arms:
                continue
            cells, g = table[r["code"]], r["group"]
            assert cells[f"observed:{g}"] == three(r["observed_agreement"]), (r["code"], g)
            assert cells[f"positive:{g}"] == three(r["positive_agreement"]), (r["code"], g)
            assert cells[f"kappa:ana/ben:{g}"] == three(r["cohen_kappa"]), (r["code"], g)
            assert cells[f"alpha:{g}"] == three(r["krippendorff_alpha"]), (r["code"], g)
            # 'ana=16;ben=11' in the CSV is '16/11' on screen, as the CLI's table shows it
            by_coder = dict(x.split("=") for x in r["coded_units_by_coder"].split(";"))
            assert cells[f"coded:{g}"] == f"{int(by_coder['ana']):,}/{int(by_coder['ben']):,}", (r["code"], g)
            checked += 1
        assert checked == 2 * len(table)
        # the difference column: improving minus lagging, from the CSV's own alphas
        by = {(r["code"], r["group"]): r["krippendorff_alpha"] for r in rows}
        for code, cells in table.items():
            a, b = by[(code, "improving")], by[(code, "lagging")]
            want = "—" if "" in (a, b) else f"{float(a) - float(b):+.3f}"
            assert cells["delta"] == want, code

        status = str(screen.query_one("#agreement-status").render())
        assert "unit: turn" in status and "by arm" in status and "Agreement of ana, ben" in status
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)


async def test_one_pair_of_three_coders_and_the_interviewer_turns(study):
    """With a third coder, c picks the pair ana/ben: the figures are 'agreement --coders ana,ben'
    (not everyone's); i counts interviewer turns as '--include-interviewer' does."""
    iv = study.store.interview_infos()[0]
    text = study.store.interview(iv.id).text
    study.store.add_coding(iv.id, "housing", 0, len(text) // 2, "cal")
    app = make_app(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_panel(app, pilot)
        assert screen.result.coders == ["ana", "ben", "cal"]
        table = shown(screen)
        assert {"kappa:ana/ben:(all)", "kappa:ana/cal:(all)", "kappa:ben/cal:(all)"} <= set(table["housing"])
        await pilot.press("c")                               # the first pair
        await settle(screen, pilot)
        assert screen.coders == ["ana", "ben"]
        check_overall(shown(screen), cli_rows(study, "--unit", "sentence", "--coders", "ana,ben"))
        await pilot.press("i")
        await settle(screen, pilot)
        check_overall(shown(screen), cli_rows(study, "--unit", "sentence", "--coders", "ana,ben",
                                              "--include-interviewer"))


async def test_fewer_than_two_coders_says_why(tmp_path, bundled_imported):
    dst = tmp_path / "one"
    shutil.copytree(bundled_imported, dst)
    p = Project.open(dst, coder="ana")
    try:
        iv = p.store.interview_infos()[0]
        p.store.add_coding(iv.id, "housing", 0, 40, "ana")
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_panel(app, pilot)
            assert screen.result is None
            notes = str(screen.query_one("#agreement-notes").render())
            assert "No figures" in notes and "two or more coders" in notes
    finally:
        p.close()


async def test_by_arm_without_arms_says_so(tmp_path):
    """Transcripts without front matter have no arm: by arm has nothing to show, and says so
    instead of an empty table."""
    root = tmp_path / "plain"
    (root / "interviews").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[1] / "codebook.yaml", root / "codebook.yaml")
    (root / "interviews" / "one.txt").write_text(
        "Interviewer: How long have you lived here?\n\nMo: Ten years. The flats are damp. We fixed the roof.\n",
        encoding="utf-8")
    p = Project.open(root, coder="ana")
    try:
        assert p.import_files().ok
        text = p.store.interview("one").text
        a = text.index("The flats")
        p.store.add_coding("one", "housing", a, a + len("The flats are damp."), "ana")
        p.store.add_coding("one", "housing", a, text.index("roof.") + 5, "ben")
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_panel(app, pilot)
            assert shown(screen)["housing"]["observed:(all)"] != "—"
            await pilot.press("b")
            await settle(screen, pilot)
            assert screen.result is not None and screen.result.compared() == []
            notes = str(screen.query_one("#agreement-notes").render())
            assert notes.startswith("No interview in scope has a value of 'arm'")
    finally:
        p.close()


def two(lo: str, hi: str) -> str:
    return "—" if "" in (lo, hi) else f"{float(lo):.2f}–{float(hi):.2f}"


async def test_intervals_are_the_cli_bootstrap_intervals(study):
    """v adds 95% bootstrap intervals beside κ and α: the intervals 'fieldcode agreement --ci
    --format csv' writes (its default seed and resamples), read from the CSV and formatted here;
    the notes say how they were drawn; the export carries --ci in its command."""
    app = make_app(study)
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_panel(app, pilot)
        assert not any(k.startswith("alpha_ci") for k in shown(screen)["(all codes)"])
        await pilot.press("v")
        await settle(screen, pilot)
        rows = cli_rows(study, "--unit", "sentence", "--ci")
        table = shown(screen)
        n = 0
        for r in rows:
            cells = table[r["code"]]
            assert cells["kappa:ana/ben:(all)"] == three(r["cohen_kappa"]), r["code"]
            assert cells["kappa_ci:ana/ben:(all)"] == two(r["cohen_kappa_ci_low"], r["cohen_kappa_ci_high"]), r["code"]
            assert cells["alpha_ci:(all)"] == two(r["krippendorff_alpha_ci_low"], r["krippendorff_alpha_ci_high"]), r["code"]
            n += 1
        assert n >= 10 and any("–" in c["alpha_ci:(all)"] for c in table.values())
        assert {r["ci_seed"] for r in rows} == {"1"} and {r["ci_resamples"] for r in rows} == {"1000"}
        notes = " ".join(str(screen.query_one("#agreement-notes").render()).split())
        assert "95% percentile bootstrap, 1,000 resamples" in notes and "seed 1" in notes
        from fieldcode.tui.exporting import agreement_job

        job = agreement_job(study, screen.result, coders=None, include_interviewer=False)
        assert job.args[-5:] == ["--ci", "--resamples", "1000", "--seed", "1"]
