"""Arm-blind coding (issue 22, point 1): the codebook's study.blind / lead / blind_terms, neutral
labels, same-length masks, the gate on commands, and the walk over every command a blind coder
can run, grepping what they see for the hidden values (worked out here from the transcripts'
front matter, not from fieldcode)."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from conftest import REPO, copy_study
from fieldcode.cli import app
from fieldcode.cli.blind_gate import BLIND_ALLOWED
from fieldcode.protocol.blinding import Blinder, mask_for, neutral_labels
from fieldcode.study import codebook as cbmod

runner = CliRunner()
BLIND_STUDY = "  blind: [arm, pair, neighbourhood, participant]\n  lead: ben\n  blind_terms: [Kelder Bank, the rec]\n"


def blind_codebook(root: Path, extra: str = BLIND_STUDY) -> None:
    cb = root / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    anchor = "  required_attributes: [pair, neighbourhood, arm, role]\n"
    assert anchor in text
    cb.write_text(text.replace(anchor, anchor + extra, 1), encoding="utf-8")


def front_matter(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").split("---\n")[1].splitlines()
    return dict(ln.split(": ", 1) for ln in lines if ": " in ln and not ln.startswith("#"))


def hidden_values() -> list[str]:
    """Everything a blind coder must never see, read here from the files themselves."""
    vals = {"Kelder Bank", "the rec"}
    for f in sorted((REPO / "interviews").glob("*.md")):
        fm = front_matter(f)
        vals |= {fm[k] for k in ("arm", "pair", "neighbourhood", "participant")}
        vals |= {f.stem, f.name}
    return sorted(vals)


def leaks(text: str, *, arms: bool = True) -> list[str]:
    flat = " ".join(text.split()).casefold()
    return [v for v in hidden_values() if (arms or v not in ("improving", "lagging")) and re.search(r"(?<!\w)" + re.escape(v.casefold()) + r"(?!\w)", flat)]


# --- the codebook ------------------------------------------------------------------------------

def write_cb(tmp_path: Path, study: str) -> Path:
    p = tmp_path / "codebook.yaml"
    p.write_text("study:\n  name: S\n" + study + "codes:\n  - key: a\n    name: A\n", encoding="utf-8")
    return p


def test_codebook_reads_blind_lead_and_terms(tmp_path):
    cb = cbmod.load(write_cb(tmp_path, "  blind: [arm, pair]\n  lead: ben\n  blind_terms: [Brook Street]\n"))
    assert cb.study.blind == ("arm", "pair") and cb.study.lead == "ben" and cb.study.blind_terms == ("Brook Street",)
    assert cb.study.is_blind


@pytest.mark.parametrize("study, line, words", [
    ("  blind: arm: x\n  lead: ben\n", None, None),                        # not YAML-valid: any clear error
    ("  blind: [arm, [pair]]\n  lead: ben\n", 3, "study.blind must be a list"),
    ("  blind: [arm]\n", 3, "needs 'lead: NAME'"),
    ("  blind: [arm]\n  lead: [ana, ben]\n", 4, "study.lead must be one coder's name"),
    ("  blind_terms: [Leeds, '']\n  lead: ben\n", 3, "study.blind_terms must be a list of non-empty"),
])
def test_codebook_bad_blind_values_name_their_line(tmp_path, study, line, words):
    with pytest.raises(cbmod.InvalidInput) as exc:
        cbmod.load(write_cb(tmp_path, study))
    if line is not None:
        assert f"codebook.yaml:{line}:" in str(exc.value) and words in str(exc.value)


def test_codebook_hash_without_blind_keys_is_unchanged(tmp_path):
    """A codebook that names no blinding keeps the hash it had before the keys existed."""
    cb = cbmod.load(write_cb(tmp_path, "  arms: [improving, lagging]\n"))
    study = {k: v for k, v in asdict(cb.study).items() if k not in ("turns", "interviewer_lines", "blind", "lead",
                                                                      "blind_terms")}
    codes = [{k: v for k, v in asdict(c).items() if k not in ("line", "codable")} for c in cb.codes]
    want = hashlib.sha256(json.dumps({"study": study, "codes": codes}, sort_keys=True,
                                     ensure_ascii=False).encode("utf-8")).hexdigest()
    assert cb.hash == want


# --- labels and masks ----------------------------------------------------------------------------

def test_labels_are_stable_distinct_and_unchanged_by_new_interviews():
    names = [f"interview-{i:04d}" for i in range(3000)]     # enough for 3-character collisions
    a = neutral_labels(names, "study")
    assert len(set(a.values())) == len(names)
    assert all(re.fullmatch(r"I-[2-9A-HJKMNP-Z]{3,}", v) for v in a.values())
    assert any(len(v) > 5 for v in a.values())               # collisions were resolved by a longer label
    b = neutral_labels(names[:10] + ["new-one"], "study")
    assert all(b[n] == a[n] for n in names[:10] if len(a[n]) == 5)
    assert neutral_labels(names[:5], "another study") != {n: a[n] for n in names[:5]}


def test_mask_keeps_length_lines_and_every_other_character():
    b = Blinder(coder="ana", hidden=("neighbourhood",), labels={}, terms={"kelder bank": "place", "leeds": "place"})
    text = "We moved to Kelder\nBank from LEEDS, Leeds's edge; not Leedsville.\n"
    m = b.mask_text(text)
    assert len(m) == len(text)
    assert [i for i, c in enumerate(m) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
    assert "Kelder" not in m and "LEEDS" not in m and "Leeds's" not in m and "Leedsville" in m
    changed = [i for i in range(len(text)) if m[i] != text[i]]
    # exactly the characters of the three matches (by hand: 'Kelder\nBank' 12-23, 'LEEDS' 29-34, 'Leeds' 36-41)
    assert set(changed) <= set(range(12, 23)) | set(range(29, 34)) | set(range(36, 41))
    assert m[29:34] == "[···]" and mask_for("Ashcliffe", "place") == "[place··]"


# --- the command line ---------------------------------------------------------------------------

@pytest.fixture
def blind_study(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "study")
    blind_codebook(root)
    r = runner.invoke(app, ["-C", str(root), "--coder", "ben", "codebook", "sync"])
    assert r.exit_code == 0, r.output
    return root


def run(root: Path, coder: str, *args: str):  # noqa: ANN201
    return runner.invoke(app, ["-C", str(root), "--coder", coder, *args])


def label_of(root: Path, name: str) -> str:
    from fieldcode.project import Project

    p = Project.open(root, coder="ana", write=False)
    try:
        return p.blinder.label(name)
    finally:
        p.close()


def test_analysis_commands_are_refused_with_the_reason_until_the_lead_unblinds(blind_study):
    r = run(blind_study, "ana", "crosstab")
    assert r.exit_code == 6
    assert "closed to you (ana) while the study is blind" in r.output and "fieldcode blind unblind ana" in r.output
    assert run(blind_study, "ben", "crosstab").exit_code == 0           # the lead is not blind
    r = run(blind_study, "ana", "blind", "unblind", "ana", "--reason", "x")
    assert r.exit_code == 6 and "only the study's lead (ben)" in r.output
    r = run(blind_study, "ben", "blind", "unblind", "ana")
    assert r.exit_code == 2 and "--reason" in r.output
    r = run(blind_study, "ben", "blind", "unblind", "ana", "--reason", "writes the comparison")
    assert r.exit_code == 0, r.output
    assert run(blind_study, "ana", "crosstab").exit_code == 0
    # the unblinding is in the event log: who, when, why (read with plain sqlite3)
    con = sqlite3.connect(blind_study / "fieldcode.db")
    rows = con.execute("select coder, action, at, detail from event where action = 'unblind'").fetchall()
    con.close()
    assert len(rows) == 1 and rows[0][0] == "ben" and rows[0][2]
    assert json.loads(rows[0][3]) == {"for": "ana", "reason": "writes the comparison"}


def test_blind_end_opens_everything_for_every_coder(blind_study):
    assert run(blind_study, "cy", "summary").exit_code == 6
    assert run(blind_study, "ben", "blind", "end", "--reason", "all handed in").exit_code == 0
    assert run(blind_study, "cy", "summary").exit_code == 0
    assert run(blind_study, "ana", "summary").exit_code == 0


def test_a_blind_coder_names_interviews_by_label_and_codings_record_blindness(blind_study):
    label = label_of(blind_study, "leeds-improving-01-resident.md")
    r = run(blind_study, "ana", "code", "add", label, "leadership", "--sentence", "3")
    assert r.exit_code == 0, r.output
    r = run(blind_study, "ben", "code", "add", "leeds-improving-01-resident", "leadership", "--sentence", "3")
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(blind_study / "fieldcode.db")
    made = dict(con.execute("select coder, blind from coding where id in (select max(id) from coding group by coder)"
                            " and coder in ('ana', 'ben')"))
    before = con.execute("select count(*), sum(blind = 0) from coding where id < (select min(id) from coding "
                         "where coder = 'ana' and blind = 1)").fetchone()
    con.close()
    assert made == {"ana": 1, "ben": 0}
    assert before[0] > 0 and before[1] == before[0]     # added before the study was blind: not blind


def leaf_commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    out = []

    def walk(cmd, path):  # noqa: ANN001
        if isinstance(cmd, TyperGroup):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out.append((" ".join(path), cmd))

    for name, c in root.commands.items():
        walk(c, [name])
    return out


SCREENS = {"open", "review", "code open", "suggest review"}   # walked with Pilot below
# Commands that never open the database: they cannot know who is blind and print the codebook's
# own words, which a coder reads in codebook.yaml anyway; the arms' names are the study's (which
# interview is in which arm is what is hidden, and no interview is named by them here).
NO_DATABASE = {"init", "settings", "codebook check", "codebook show"}
EXTRA = {"disagreements": ["--coders", "ana,ben"], "review": ["--coders", "ana,ben", "--as", "consensus"]}


def arguments(cmd, label: str, coding_id: int, tmp: Path) -> list[str]:  # noqa: ANN001
    """Plausible arguments for a command's required parameters."""
    args: list[str] = []
    for p in cmd.params:
        if not p.required:
            continue
        name = p.name or ""
        if "interview" in name or name in ("name", "target"):
            v = label
        elif "coding" in name or name == "n":
            v = str(coding_id)
        elif name in ("code", "source", "ref", "key", "parent", "code_key"):
            v = "leadership"
        elif "coder" in name:
            v = "ana"
        elif name in ("file", "path", "source_file", "paths", "other", "output"):
            (tmp / "in.csv").write_text("interview,code,quote\n", encoding="utf-8")
            v = str(tmp / "in.csv")
        else:
            v = "Leadership"
        if p.param_type_name == "option":
            args += [p.opts[0], v]
        else:
            args.append(v)
    return args


def test_every_command_a_blind_coder_runs_shows_no_hidden_value(blind_study, tmp_path):
    """Walk every command of the app as blind ana: a command either refuses (with the reason)
    or its whole output (results, notes, errors, file names) holds no hidden value."""
    label = label_of(blind_study, "liverpool-lagging-01-resident.md")
    r = run(blind_study, "ana", "code", "add", label, "leadership", "--sentence", "4", "--memo",
            "Tessmoor again, like Ashcliffe")
    assert r.exit_code == 0, r.output
    coding_id = int(re.search(r"coding #(\d+)", r.output).group(1))
    assert not leaks(r.output)
    seen = []
    for path, cmd in leaf_commands():
        if path in SCREENS:
            continue
        args = path.split() + arguments(cmd, label, coding_id, tmp_path)
        if path in ("code list", "log"):
            args += ["--by", "ana"]
        args += EXTRA.get(path, [])
        res = run(blind_study, "ana", *args)
        text = res.output + (res.stderr if res.stderr_bytes is not None else "")
        assert not leaks(text, arms=path not in NO_DATABASE), (path, args, leaks(text), text[:2000])
        assert res.exception is None or isinstance(res.exception, SystemExit), (path, res.exception)
        seen.append(path)
        if path.split()[0] not in BLIND_ALLOWED and res.exit_code != 2:
            assert res.exit_code == 6 and "while the study is blind" in text, (path, res.exit_code, text[:500])
    assert {"show", "code list", "turns list", "handin", "next", "blind status", "crosstab"} <= set(seen)
    # the commands that show transcripts and codings did run (not refused) and were masked
    r = run(blind_study, "ana", "show", label)
    assert r.exit_code == 0 and "[place" in r.output and not leaks(r.output)
