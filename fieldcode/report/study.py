"""The report's sections about the study itself: the design, the codebook and its versions,
the coders and what each coded, blinding and hand-ins, and the provenance of every number.

Each function reads through the same functions the commands use (``analysis.crosstab`` for the
cells, ``analysis.frequencies`` for what each coder coded, the store's codebook versions and
provenance) and returns a :class:`~fieldcode.report.model.Section`.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from fieldcode.report.model import Bullets, Paragraph, Section, Table


def _n(x) -> str:  # noqa: ANN001
    return f"{int(x):,}"


def _cell(interviews, words) -> str:  # noqa: ANN001
    n = int(interviews)
    return f"{n:,} interview{'' if n == 1 else 's'}, {_n(words)} words"


def design_section(project, ct) -> Section:
    """Pairs, arms, interviews and analysed words per cell (``ct``: the crosstab by pair x arm
    the crosstab section shows, so the cells are the same numbers)."""
    from fieldcode.analysis import ANALYSED_TEXT_RULE
    from fieldcode.store import q_interview_rows

    arms = list(project.study.arms)
    pairs = sorted({g[0] for g in ct.groups})
    cell = {g: (ct.group_interviews[i], ct.group_words[i]) for i, g in enumerate(ct.groups)}
    rows = []
    for pr in pairs:
        rows.append((pr, *[(_cell(*cell[(pr, a)]) if (pr, a) in cell else "—") for a in arms]))
    extra = sorted({g[1] for g in ct.groups} - set(arms))
    for a in extra:   # an arm value the study does not name (or a missing one): shown, not hidden
        rows.append((f"(arm '{a}')", *["—"] * len(arms)))
    n_iv = int(ct.group_interviews.sum())
    n_words = int(ct.group_words.sum())
    ivs = q_interview_rows(project.store)
    iv_rows = tuple((name, attrs.get("pair", ""), attrs.get("arm", ""), attrs.get("role", ""))
                    for name, _w, attrs in ivs.values())
    blocks = [
        Paragraph(f"Study: {project.study.name or '(unnamed)'}. A matched-pair design: each pair has a "
                  f"focal arm, {arms[0]}, and its comparison, {arms[1]}. {len(pairs)} pair(s), "
                  f"{n_iv:,} interviews, {n_words:,} analysed words."),
        Table("Interviews and analysed words per cell (pair x arm)", ("pair", *arms), tuple(rows),
              notes=(ANALYSED_TEXT_RULE,) + ((f"Arm values outside the study's arms: {', '.join(extra)}.",)
                                             if extra else ())),
        Table("Interviews", ("interview", "pair", "arm", "role"), iv_rows, numeric=False),
    ]
    return Section("design", "Design", tuple(blocks))


def codebook_section(project) -> Section:
    """Every code in tree order with its definition and rules, and every recorded version."""
    from fieldcode.analysis import load_code_tree

    tree = load_code_tree(project.store)
    defs = {c.key: c for c in project.codebook.codes}
    rows = []
    for c in tree.codes:
        d = defs.get(c.key)
        label = "  " * c.depth + c.name + (" (retired)" if c.retired else "")
        rows.append((label, c.key, d.definition if d else "", d.use_when if d else "", d.not_when if d else ""))
    versions = tuple((str(i + 1), v.hash[:12], str(v.n_codes), v.recorded_at.strftime("%Y-%m-%d %H:%M UTC"))
                     for i, v in enumerate(project.store.codebook_versions()))
    blocks = (
        Paragraph(f"{len([c for c in tree.codes if not c.retired])} codes in use"
                  + (f", {len([c for c in tree.codes if c.retired])} retired" if any(c.retired for c in tree.codes)
                     else "") + f"; current version {project.codebook.hash[:12]}."),
        Table("Codes, in tree order", ("code", "key", "definition", "use when", "not when"), tuple(rows),
              numeric=False),
        Table("Codebook versions recorded in the database", ("version", "content hash", "codes", "recorded"),
              versions, notes=("A version is recorded whenever the codebook's content changes (renames, "
                               "new codes, definitions); comments and layout do not count.",)),
    )
    return Section("codebook", "Codebook", blocks)


def coders_section(project) -> Section:
    """Each coder's codings, interviews and coded segments per code (``analysis.frequencies``,
    as ``fieldcode frequencies --coder NAME``)."""
    from fieldcode.analysis import ANY_CODE, frequencies
    from fieldcode.analysis.paired_coders import consensus_coders
    from fieldcode.store import q_coders_by_interview

    store = project.store
    coders = store.coders()
    if not coders:
        return Section("coders", "Coders", (Paragraph("No codings yet."),))
    per_coder = store.provenance()["codings_per_coder"]
    by_iv = q_coders_by_interview(store)
    consensus = set(consensus_coders(store))
    freq = {c: frequencies(store, unit="segments", coders=[c]) for c in coders}
    summary = []
    for c in coders:
        ct = freq[c]
        used = sum(1 for r, row in enumerate(ct.rows) if row.key != ANY_CODE and ct.segments[r, 0] > 0)
        summary.append((c + (" (consensus)" if c in consensus else ""), _n(per_coder.get(c, 0)),
                        _n(sum(1 for s in by_iv.values() if c in s)), _n(used)))
    first = freq[coders[0]]
    rows = []
    for r, row in enumerate(first.rows):
        rows.append(("  " * row.depth + row.label, *[_n(freq[c].segments[r, 0]) for c in coders]))
    blocks = (
        Table("Coders", ("coder", "codings", "interviews coded", "codes used"), tuple(summary),
              notes=("A consensus coder is one whose codings were settled in review (fieldcode review --as NAME).",)
              if consensus else ()),
        Table("Coded segments per code and coder", ("code", *coders), tuple(rows),
              notes=("Coded segments of each coder alone, as 'fieldcode frequencies --coder NAME' counts them: "
                     "a coder's overlapping codings of one code form one segment.",)),
    )
    return Section("coders", "Coders", blocks)


def blinding_facts(project) -> list[str]:  # noqa: ARG001
    """What the study's blind coding and hand-ins record, one sentence each (empty: not used).

    This fieldcode records neither blinding nor hand-ins, so there is nothing to state; when
    blind coding is recorded, this is the one function that reads it for the report."""
    return []


def blinding_section(project) -> Section:
    facts = blinding_facts(project)
    if not facts:
        return Section("blinding", "Blinding and hand-ins",
                       (Paragraph("Not used: this study records no blind coding and no hand-ins; coders could see "
                                  "every interview's attributes (pair, arm) while coding."),))
    return Section("blinding", "Blinding and hand-ins", (Bullets(tuple(facts)),))


def provenance_section(project, *, date: str, command: list[str] | None, commands: list[tuple[str, str]],
                       seed: int, resamples: int) -> Section:
    """Versions, hashes, the command that wrote the report and the command behind each table."""
    from fieldcode import __version__
    from fieldcode.analysis.export import file_sha256

    store = project.store
    prov = store.provenance()
    cb_path = Path(project.codebook.path)
    facts = [
        f"fieldcode {__version__}; report date {date}.",
        "Written by: " + ("fieldcode " + shlex.join(command) if command is not None else "fieldcode.report (Python)") + ".",
        f"Codebook file {cb_path.name}: SHA-256 {file_sha256(cb_path) if cb_path.exists() else '(file missing)'}; "
        f"content version {project.codebook.hash}.",
        f"Database: {store.url.split(':', 1)[0].split('+', 1)[0]}.",
        f"Random numbers: seed {seed}, {resamples:,} resamples (the agreement intervals and the saturation "
        "bootstrap); the same database, options and seed give the same report, byte for byte.",
        "Codings per coder: " + (", ".join(f"{c} {n:,}" for c, n in prov["codings_per_coder"].items()) or "none") + ".",
    ]
    rows = tuple((iv["name"], iv["sha256"], str(iv["turns"]), str(iv["interviewer_turns"]),
                  ", ".join(dict.fromkeys(iv["interviewer_labels"]))) for iv in prov["interviews"])
    return Section("provenance", "Provenance", (
        Bullets(tuple(facts)),
        Table("The commands that print each section's numbers (run in the study folder)", ("section", "command"),
              tuple(commands), numeric=False),
        Table("Transcripts (SHA-256 of the normalised text stored at import)",
              ("interview", "sha256", "turns", "interviewer turns", "interviewer labels"), rows, numeric=False),
    ))


__all__ = ["design_section", "codebook_section", "coders_section", "blinding_facts", "blinding_section",
           "provenance_section"]
