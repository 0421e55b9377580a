"""The study at a glance (``fieldcode summary``, and the coding screen's stand-in where the
terminal UI cannot load).  Prints only; imports no command module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldcode.cli.console import err, out
from fieldcode.safe import literal
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

if TYPE_CHECKING:  # the database layer loads on first use
    from fieldcode.project import Project


def print_summary(p: Project) -> None:
    infos = p.store.interview_infos()
    codes = p.store.codes()
    out.print(f"[bold]{escape(p.study.name or p.root.name)}[/]  ({escape(p.root)})")
    out.print(f"database: {escape(p.store.safe_url)}")
    out.print(f"codebook: {len(codes)} codes, version {p.codebook.hash[:12]}")
    from fieldcode.analysis.progress import analysed_word_counts

    analysed = analysed_word_counts(p.store)   # the base every rate stands on
    words = sum(i.n_words for i in infos)
    ncod = sum(i.n_codings for i in infos)
    out.print(f"interviews: {len(infos)} ({words:,} words, {sum(analysed.values()):,} of them analysed); "
              f"codings: {ncod:,}; coders: {escape(', '.join(p.store.coders())) or 'none yet'}")
    if infos:
        from rich.table import Table  # tables load with the commands that print them (fast start)

        t = Table(title="Interviews by pair and arm", show_lines=False)
        t.add_column("pair")
        for arm in p.study.arms:
            t.add_column(escape(arm), justify="right")
        pairs: dict[str, dict[str, list]] = {}
        for i in infos:
            pairs.setdefault(i.attributes.get("pair", "(no pair)"), {}).setdefault(i.attributes.get("arm", "?"), []).append(i)
        for pair in sorted(pairs):
            cells = []
            for arm in p.study.arms:
                items = pairs[pair].get(arm, [])
                cells.append(f"{len(items)} ({sum(analysed.get(x.id, 0) for x in items):,} words)" if items else "—")
            t.add_row(literal(pair), *cells)
        out.print(t)
        out.print("words: analysed words (participant turns without their speaker labels; interviewer turns "
                  "left out), the base of every rate", style="dim")
    for w in p.design_warnings():
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if not infos:
        out.print("no interviews yet: run 'fieldcode import' to import interviews/")
