"""``fieldcode report`` (issue 24 point 5): the methods appendix.

The report's numbers are checked against the commands' own CSV output (agreement --format csv,
saturation --csv, export counts, export comparison), parsed here and formatted by the test; two
runs give the same bytes; the Word copy opens with python-docx and holds the same tables; the
HTML names nothing outside itself.  The browser check is in tests/test_report_browser.py.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from conftest import copy_study
from fieldcode.cli.commands import app

SEED, RESAMPLES, DATE = "3", "200", "2026-12-06"
FIGURES = {"agreement-sentence", "saturation", "crosstab", "comparison"}


def run(root: Path, *args: str, coder: str | None = None):
    pre = ["-C", str(root)] + (["--coder", coder] if coder else [])
    return CliRunner().invoke(app, [*pre, *args])


def report(root: Path, out: Path, *extra: str):
    return run(root, "report", "-o", str(out), "--seed", SEED, "--resamples", RESAMPLES, "--date", DATE, *extra)


@pytest.fixture(scope="module")
def study(bundled_coded, tmp_path_factory) -> Path:
    """The bundled study with ana's and ben's codings, plus one coding each added by hand."""
    root = copy_study(bundled_coded, tmp_path_factory.mktemp("report") / "study")
    for coder in ("ana", "ben"):
        r = run(root, "code", "add", "leeds-lagging-01-resident", "housing", "--sentence", "3", coder=coder)
        assert r.exit_code == 0, r.output
    return root


@pytest.fixture(scope="module")
def written(study, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report-out") / "rep"
    r = report(study, out)
    assert r.exit_code == 0, r.output
    return out


def tables(path: Path) -> dict[str, list[list[str]]]:
    """Caption -> rows (the header first) of every table of the HTML report, cells as shown."""
    doc = lxml_html.fromstring(path.read_bytes())
    out = {}
    for t in doc.iter("table"):
        cap = t.find("caption").text_content()
        out[cap] = [[c.text_content() for c in tr if c.tag in ("th", "td")] for tr in t.iter("tr")]
    return out


def table(path: Path, starts: str) -> list[list[str]]:
    found = [rows for cap, rows in tables(path).items() if cap.startswith(starts)]
    assert len(found) == 1, (starts, list(tables(path)))
    return found[0]


def by_label(rows: list[list[str]]) -> dict[str, list[str]]:
    return {r[0].strip(): r for r in rows[1:]}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def f3(x: str) -> str:
    return f"{float(x):.3f}"


# --- the files ------------------------------------------------------------------------------------

def test_writes_the_three_formats_and_every_figure(written):
    names = {p.name for p in written.iterdir()}
    assert {"report.html", "report.md", "report.docx"} <= names
    assert {f"figure-{f}.svg" for f in FIGURES} <= names
    page = (written / "report.html").read_text(encoding="utf-8")
    doc = lxml_html.fromstring(page.encode("utf-8"))
    figs = doc.xpath("//figure")
    assert {f.get("id") for f in figs} == {f"figure-{f}" for f in FIGURES}
    assert all(len(f.xpath("./*[local-name()='svg']")) == 1 for f in figs)
    md = (written / "report.md").read_text(encoding="utf-8")
    for f in FIGURES:
        assert f"](figure-{f}.svg)" in md
    for h in ("Design", "Codebook", "Coders", "Blinding and hand-ins", "Intercoder agreement", "Code saturation",
              "Crosstab", "Paired comparison", "Provenance"):
        assert f"<h2>{h}</h2>" in page and f"\n## {h}\n" in md


def test_html_is_self_contained(written):
    page = (written / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and "<img" not in page
    # nothing fetched from elsewhere: the only URLs are the SVG namespaces
    urls = set(re.findall(r"(?:href|src)=\"([^\"#][^\"]*)\"", page))
    assert urls == set(), urls
    assert "@import" not in page and not re.search(r"url\((?!#)", page)   # url(#clip...): the SVG's own parts


def test_each_svg_is_well_formed_and_dateless(written):
    from lxml import etree

    for f in FIGURES:
        data = (written / f"figure-{f}.svg").read_bytes()
        root = etree.fromstring(data)
        assert root.tag.endswith("svg")
        assert len(root.xpath("//*[local-name()='path']")) > 5
        assert b"<dc:date>" not in data


def test_two_runs_give_the_same_bytes_and_the_seed_matters(study, tmp_path):
    out = tmp_path / "rep"
    assert report(study, out).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert report(study, out).exit_code == 0
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []
    # another seed gives other intervals: the comparison above could fail
    r = run(study, "report", "-o", str(out), "--seed", "4", "--resamples", RESAMPLES, "--date", DATE)
    assert r.exit_code == 0, r.output
    assert (out / "report.html").read_bytes() != first["report.html"]


def test_the_command_line_is_recorded(study, tmp_path):
    """The app records its arguments (fieldcode.runinfo, as for every export's sidecar); the
    report states them."""
    out = tmp_path / "r"
    r = run(study, "report", "-o", str(out), "--resamples", "20", "--format", "md")
    assert r.exit_code == 0, r.output
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"- Written by: fieldcode -C {study} report -o {out} --resamples 20 --format md." in md


def test_date_comes_from_the_option_or_source_date_epoch(study, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")   # 2026-01-01T00:00:00Z
    r = run(study, "report", "-o", str(tmp_path / "r"), "--resamples", "20", "--format", "md")
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "*fieldcode methods appendix, 2026-01-01*" in md
    assert not (tmp_path / "r" / "report.html").exists()


# --- the numbers are the commands' ------------------------------------------------------------------

def test_agreement_equals_the_agreement_command(study, written):
    r = run(study, "agreement", "--unit", "sentence", "--by", "arm", "--coefficients", "all", "--ci",
            "--resamples", RESAMPLES, "--seed", SEED, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = [x for x in csv_rows(r.stdout) if x["coders"] == "ana+ben"]
    main = by_label(table(written / "report.html", "Agreement of ana, ben at the sentence unit"))
    head = table(written / "report.html", "Agreement of ana, ben at the sentence unit")[0]
    per_arm = by_label(table(written / "report.html", "Krippendorff's α by arm at the sentence unit"))
    arm_head = table(written / "report.html", "Krippendorff's α by arm at the sentence unit")[0]

    def with_ci(x: dict, name: str) -> str:
        if not x[name]:
            return "—"
        lo, hi = x[f"{name}_ci_low"], x[f"{name}_ci_high"]
        return f"{f3(x[name])} [{f3(lo)}, {f3(hi)}]" if lo and hi else f3(x[name])

    checked = 0
    for x in rows:
        if x["group"] == "(all)":
            got = dict(zip(head, main[x["label"]]))
            assert got["units"] == f"{int(x['units']):,}" and got["coded"] == f"{int(x['coded_units']):,}"
            assert got["observed"] == f3(x["observed_agreement"]) and got["positive"] == f3(x["positive_agreement"])
            assert got["α"] == with_ci(x, "krippendorff_alpha")
            assert got["κ ana/ben"] == with_ci(x, "cohen_kappa")
            assert got["AC1"] == with_ci(x, "gwet_ac1")
            assert got["BP"] == with_ci(x, "brennan_prediger")
            assert got["PABAK"] == with_ci(x, "pabak")
            assert got["PI"] == f3(x["prevalence_index"]) and got["BI"] == f3(x["bias_index"])
        got_arm = dict(zip(arm_head, per_arm[x["label"]]))
        assert got_arm[x["group"] if x["group"] != "(all)" else "all"] == with_ci(x, "krippendorff_alpha"), x
        checked += 1
    assert checked == 3 * 15   # 14 codes and (all codes), all interviews and each arm


def test_saturation_equals_the_saturation_command(study, written, tmp_path):
    out = tmp_path / "sat.csv"
    r = run(study, "saturation", "--by", "arm", "--base", "4", "--run", "2", "--threshold", "0.05",
            "--resamples", RESAMPLES, "--seed", SEED, "--csv", str(out), "--no-plot")
    assert r.exit_code == 0, r.output
    series: dict[tuple[str, str], list[dict]] = {}
    for x in csv_rows(out.read_text(encoding="utf-8")):
        series.setdefault((x["coder"], x["group"]), []).append(x)
    rows = table(written / "report.html", "Code saturation per coder")
    got = {(r[0], r[1]): r for r in rows[1:]}
    assert set(got) == set(series)
    for k, xs in series.items():
        x = xs[0]
        coder, group, n, result, detail = got[k]
        assert n == str(len(xs)) and result == x["saturation"]
        reached = int(x["bootstrap_reached"])
        if reached:
            med, lo, hi = (float(x[c]) for c in ("bootstrap_median_k", "bootstrap_low_k", "bootstrap_high_k"))
            assert f"reached in {reached / int(RESAMPLES):.0%}, median k {med:g} (95%: {lo:g}-{hi:g})" in detail
        else:
            assert "never reached" in detail


def test_crosstab_and_design_equal_export_counts(study, written, tmp_path):
    out = tmp_path / "counts.csv"
    r = run(study, "export", "counts", "-o", str(out), "--by", "pair,arm")
    assert r.exit_code == 0, r.output
    rows = csv_rows(out.read_text(encoding="utf-8"))
    per1000 = table(written / "report.html", "Crosstab: coded words per 1,000 analysed words")
    mentions = table(written / "report.html", "Crosstab: interviews mentioning the theme")
    design = by_label(table(written / "report.html", "Interviews and analysed words per cell"))
    design_head = table(written / "report.html", "Interviews and analysed words per cell")[0]

    def column(head: list[str], pair: str, arm: str) -> int:
        hits = [i for i, h in enumerate(head) if h.startswith(f"{pair} {arm} (")]
        assert len(hits) == 1, (pair, arm, head)
        return hits[0]

    n = 0
    for x in rows:
        if x["unit"] == "per1000":
            cell = by_label(per1000)[x["label"]][column(per1000[0], x["pair"], x["arm"])]
            assert cell == ("—" if x["value"] == "" else f"{float(x['value']):.1f}"), x
            n += 1
        elif x["unit"] == "interviews":
            cell = by_label(mentions)[x["label"]][column(mentions[0], x["pair"], x["arm"])]
            assert cell == f"{int(x['value'])}/{int(x['interviews_in_group'])}", x
            d = design[x["pair"]][design_head.index(x["arm"])]
            n_iv = int(x["interviews_in_group"])
            assert d == f"{n_iv:,} interview{'' if n_iv == 1 else 's'}, {int(x['words_in_group']):,} words"
            n += 1
    assert n == 2 * 14 * 6   # 14 codes x 6 cells, two units (the any-code row is not in the report's table)


def test_comparison_equals_export_comparison(study, written, tmp_path):
    out = tmp_path / "cmp.csv"
    r = run(study, "export", "comparison", "-o", str(out), "--unit", "per1000", "--alpha", "0.05", "--by-coder")
    assert r.exit_code == 0, r.output
    summary = csv_rows((tmp_path / "cmp_summary.csv").read_text(encoding="utf-8"))
    values = csv_rows(out.read_text(encoding="utf-8"))
    rows = table(written / "report.html", "improving vs lagging, pair by pair")
    head, got = rows[0], by_label(rows)
    for x in summary:
        cells = dict(zip(head, got[x["label"]]))
        n = int(x["focal_higher"]) + int(x["focal_lower"])
        ties = int(x["ties"])
        assert cells["pairs improving higher (k of n)"] == f"{x['focal_higher']} of {n}" + (f" ({ties} tied)" if ties else "")
        assert cells["pairs lower"] == x["focal_lower"]
        assert cells["sign test p (descriptive)"] == ("n/a" if x["sign_test_p"] == "" else f3(x["sign_test_p"]))
        assert cells["smallest p n allows"] == ("n/a" if x["min_p"] == "" else f"{float(x['min_p']):.6g}")
    assert len(summary) == 14
    # each pair's difference, as the CSV has it unrounded
    diff_col = [c for c in values[0] if c.startswith("difference")]
    assert diff_col, list(values[0])
    for x in values:
        pair_head = [h for h in head if h.startswith(f"{x['pair']}: ")]
        assert len(pair_head) == 1
        cell = dict(zip(head, got[x["label"]]))[pair_head[0]]
        d = float(x[diff_col[0]])
        assert re.search(r"\(([-+]?[\d.]+)\)$", cell), cell
        assert abs(float(re.search(r"\(([-+]?[\d.]+)\)$", cell).group(1)) - d) <= 0.05 + 1e-9, (cell, d)


def test_coders_table_counts_each_coders_codings(study, written):
    import sqlite3

    con = sqlite3.connect(study / "fieldcode.db")
    try:
        per = dict(con.execute("select coder, count(*) from coding group by coder"))
        ivs = dict(con.execute("select coder, count(distinct interview_id) from coding group by coder"))
    finally:
        con.close()
    rows = by_label(table(written / "report.html", "Coders"))
    for c in ("ana", "ben"):
        assert rows[c][1] == f"{per[c]:,}" and rows[c][2] == str(ivs[c])


def test_codebook_definitions_and_provenance_hashes(study, written):
    import hashlib
    import sqlite3

    from fieldcode.study.codebook import load

    cb = load(study / "codebook.yaml")
    codes = by_label(table(written / "report.html", "Codes, in tree order"))
    for c in cb.codes:
        assert codes[c.name][1] == c.key and codes[c.name][2] == c.definition
    page = (written / "report.html").read_text(encoding="utf-8")
    assert hashlib.sha256((study / "codebook.yaml").read_bytes()).hexdigest() in page
    con = sqlite3.connect(study / "fieldcode.db")
    try:
        texts = dict(con.execute("select name, text from interview"))
        n_versions = con.execute("select count(*) from codebook_version").fetchone()[0]
    finally:
        con.close()
    hashes = by_label(table(written / "report.html", "Transcripts (SHA-256"))
    assert {k: v[1] for k, v in hashes.items()} == {k: hashlib.sha256(t.encode("utf-8")).hexdigest()
                                                   for k, t in texts.items()}
    assert len(table(written / "report.html", "Codebook versions")) == 1 + n_versions
    assert (f"fieldcode agreement --unit sentence --by arm --coefficients all --ci --resamples {RESAMPLES} "
            f"--seed {SEED} --format csv") in page
    assert "Not used: this study records no blind coding and no hand-ins" in page


# --- Word -----------------------------------------------------------------------------------------

def test_docx_opens_and_holds_the_tables_and_figures(written):
    import docx

    d = docx.Document(str(written / "report.docx"))
    html_tables = tables(written / "report.html")
    assert len(d.tables) == len(html_tables)
    for t, (cap, rows) in zip(d.tables, html_tables.items()):
        got = [[c.text.replace("\u00a0", " ") for c in r.cells] for r in t.rows]
        assert got == rows, cap
    assert len(d.inline_shapes) == len(FIGURES)
    assert d.core_properties.created.strftime("%Y-%m-%d") == DATE
    with zipfile.ZipFile(written / "report.docx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- the study's shape: one coder, no codings, bad options ---------------------------------------

def test_one_coder_says_why_there_is_no_agreement(bundled_imported, tmp_path):
    root = copy_study(bundled_imported, tmp_path / "one")
    for iv in ("leeds-lagging-01-resident", "leeds-improving-01-resident"):
        assert run(root, "code", "add", iv, "housing", "--sentence", "2", coder="ana").exit_code == 0
    r = run(root, "report", "-o", str(tmp_path / "r"), "--resamples", "20", "--date", DATE, "--format", "html")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "Agreement at the sentence unit was not computed: agreement needs two or more coders" in page
    assert "Not used" in page and "<h2>Paired comparison</h2>" in page


def test_no_codings_is_refused_clearly(bundled_imported, tmp_path):
    root = copy_study(bundled_imported, tmp_path / "none")
    r = run(root, "report", "-o", str(tmp_path / "r"))
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "no codings yet" in r.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, says", [
    (["--unit", "paragraph"], "--unit must be one of"),
    (["--format", "pdf"], "--format takes html, md and docx"),
    (["--resamples", "0"], "--resamples must be between"),
    (["--date", "6/12/2026"], "--date must be a date like"),
    (["--by", "colour"], "no interview has the attribute 'colour'"),
    (["--compare-unit", "words"], "--compare-unit must be one of"),
])
def test_bad_options_are_refused_and_write_nothing(study, tmp_path, args, says):
    r = run(study, "report", "-o", str(tmp_path / "r"), *args)
    assert r.exit_code != 0, r.output
    assert says in r.output and "Traceback" not in r.output
    assert not (tmp_path / "r").exists()


# --- pseudonymised --------------------------------------------------------------------------------

def test_pseudonymised_report_names_no_pair(study, tmp_path):
    root = copy_study(study, tmp_path / "study")
    for name, pseudo in (("Leeds", "[Place G]"), ("Liverpool", "[Place H]"), ("Middlesbrough", "[Place I]")):
        r = run(root, "pseudonyms", "add", name, "--category", "place", "--as", pseudo, coder="ana")
        assert r.exit_code == 0, r.output
    plain = tmp_path / "plain"
    assert report(root, plain).exit_code == 0

    def texts(folder: Path) -> dict[str, str]:
        out = {}
        for p in folder.iterdir():
            if zipfile.is_zipfile(p):
                with zipfile.ZipFile(p) as z:
                    out[p.name] = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
            else:
                out[p.name] = p.read_text(encoding="utf-8")
        return out

    named = re.compile(r"(?<![A-Za-z])(leeds|liverpool|middlesbrough)(?![A-Za-z])", re.I)
    assert all(named.search(t) for n, t in texts(plain).items() if n.startswith("report.")), "the check can fail"
    out = tmp_path / "pseudo"
    r = report(root, out, "--pseudonymise")
    assert r.exit_code == 0, r.output
    got = texts(out)
    assert {"report.html", "report.md", "report.docx", "figure-crosstab.svg"} <= set(got)
    leaks = {n: named.findall(t)[:3] for n, t in got.items() if named.search(t)}
    assert leaks == {}
    assert "[Place G]" in got["report.html"] and "[Place G]" in got["figure-crosstab.svg"]
    log = out / "report.html.anonymisation-log.csv"
    assert log.exists() and "[Place G]" in log.read_text(encoding="utf-8")


# --- on SQLite and PostgreSQL ---------------------------------------------------------------------

def test_report_reads_either_database(mini, tmp_path):
    """Two coders code the mini study through the command line; the report, read from the same
    database (a SQLite file or PostgreSQL), counts them and the design's words as counted here."""
    root, url = mini.root, mini.store.url

    def cli(*args: str, coder: str | None = None):
        pre = ["-C", str(root), "--db", url] + (["--coder", coder] if coder else [])
        return CliRunner().invoke(app, [*pre, *args])

    for coder, quotes in (("ana", ["tenants' group runs everything", "Much better since the repairs"]),
                          ("ben", ["tenants' group", "The flats are damp"])):
        for q in quotes:
            iv = "b" if "flats" in q else "a"
            r = cli("code", "add", iv, "housing" if "repairs" in q or "flats" in q else "leadership", "--quote", q,
                    coder=coder)
            assert r.exit_code == 0, r.output
    out = tmp_path / "rep"
    r = cli("report", "-o", str(out), "--resamples", "50", "--date", DATE, "--format", "html", "--base", "1",
            "--run", "1")
    assert r.exit_code == 0, r.output
    page = out / "report.html"
    coders = by_label(table(page, "Coders"))
    assert coders["ana"][1:3] == ["2", "1"] and coders["ben"][1:3] == ["2", "2"]
    # analysed words by hand: Jean's three turns (8 + 4 + 9 words), Sam's one (9); no labels, no interviewer
    design = by_label(table(page, "Interviews and analysed words per cell"))
    assert design["Leeds"][1:] == ["1 interview, 21 words", "1 interview, 9 words"]
    text = page.read_text(encoding="utf-8")
    assert f"Database: {'postgresql' if url.startswith('postgresql') else 'sqlite'}." in text
    assert "Agreement of ana, ben at the sentence unit" in text


def test_a_study_without_arms_is_reported_unsplit_unless_arm_is_asked_for(tmp_path):
    """Transcripts with no front matter (as real files often are): the report splits agreement and
    saturation by arm only where the interviews carry one, so by default it is written unsplit; an
    explicit --by arm is still refused with the reason, and writes nothing."""
    root = tmp_path / "plain"
    (root / "interviews").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[1] / "codebook.yaml", root / "codebook.yaml")
    for name, who in (("one.txt", "Jean"), ("two.txt", "Sam")):
        (root / "interviews" / name).write_text(
            f"Interviewer: How is it here?\n\n{who}: The flats are damp. The group meets on Tuesdays.\n",
            encoding="utf-8")
    assert run(root, "import").exit_code == 0
    for coder in ("ana", "ben"):
        for iv in ("one.txt", "two.txt"):
            r = run(root, "code", "add", iv, "housing", "--quote", "The flats are damp.", coder=coder)
            assert r.exit_code == 0, r.output
    r = run(root, "report", "-o", str(tmp_path / "rep"), "--resamples", "20", "--date", DATE, "--format", "md",
            "--base", "1", "--run", "1")
    assert r.exit_code == 0, r.output
    text = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "Agreement of ana, ben at the sentence unit" in text
    assert "--by arm" not in text                       # the commands behind the numbers are unsplit too
    r = run(root, "report", "-o", str(tmp_path / "rep2"), "--by", "arm", "--date", DATE)
    assert r.exit_code != 0 and "no interview has the attribute 'arm'" in r.output
    assert not (tmp_path / "rep2").exists()
