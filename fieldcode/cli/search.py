"""``fieldcode search`` and ``fieldcode suggest ...``: find passages by lemma, phrase or regular
expression, propose codings from them (or from codebook keywords) and review the proposals.
Registered on the shared app (fieldcode.cli.base) when imported (fieldcode.cli.index says
which module when)."""

from __future__ import annotations

import io
import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, err, out, state, suggest_app
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import literal, plain

# spaCy, the search index and the database layer load on first use (fast start-up)
searchmod = lazy_module("fieldcode.find.search")
store_search = lazy_module("fieldcode.store.search")
suggestmod = lazy_module("fieldcode.find.suggest")


CSV_SLICE = 5000   # --format csv builds and writes this many hits at a time

ExactOpt = Annotated[bool, typer.Option("--exact", help="Exact phrase (word for word, case ignored) instead of lemmas.")]
RegexOpt = Annotated[bool, typer.Option("--regex", help="QUERY is a Python regular expression over the stored text.")]
WhereOpt = Annotated[Optional[list[str]], typer.Option("--where", help="Only interviews whose attribute has this value, e.g. --where pair=Leeds (repeat for more).")]
SpeakerOpt = Annotated[Optional[list[str]], typer.Option("--speaker", help="Only this speaker's turns (repeat for more).")]
InterviewerOpt = Annotated[bool, typer.Option("--include-interviewer", help="Search interviewer turns too (left out by default).")]
InCodeOpt = Annotated[Optional[str], typer.Option("--in-code", help="Only hits wholly inside a coding of this code.")]
OutCodeOpt = Annotated[Optional[str], typer.Option("--outside-code", help="Only hits not wholly inside a coding of this code.")]
CodedByOpt = Annotated[Optional[list[str]], typer.Option("--coded-by", help="With --in-code/--outside-code: only this coder's codings count (repeat for more; default: any coder).")]
UnitOpt = Annotated[str, typer.Option("--unit", help="What each suggestion codes: hit, sentence or turn.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="The coder the suggestions are proposed to (default: you).")]


def _query(text: str, exact: bool, regex: bool, where, speaker, include_interviewer, in_code, outside_code,  # noqa: ANN001
           coded_by) -> searchmod.Query:
    if exact and regex:
        raise InvalidInput("choose one of --exact and --regex")
    filters: dict[str, list[str]] = {}
    for w in where or []:
        name, sep, value = w.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--where takes ATTRIBUTE=VALUE, e.g. --where pair=Leeds; got '{w}'")
        filters.setdefault(name.strip(), []).append(value.strip())
    return searchmod.Query(text, "exact" if exact else "regex" if regex else "lemma", filters,
                           tuple(speaker or ()), include_interviewer, in_code, outside_code, tuple(coded_by or ()))


def _position(h: searchmod.Hit) -> str:
    return (f"s{h.sentence}" if h.sentence else "") + (f" t{h.turn}" if h.turn else "") + f" @{h.start}"


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Word(s) to find: by lemma unless --exact or --regex.")],
    exact: ExactOpt = False,
    regex: RegexOpt = False,
    where: WhereOpt = None,
    speaker: SpeakerOpt = None,
    include_interviewer: InterviewerOpt = False,
    in_code: InCodeOpt = None,
    outside_code: OutCodeOpt = None,
    coded_by: CodedByOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many hits (the counts cover all).")] = 50,
    width: Annotated[int, typer.Option("--width", help="Characters of context either side.")] = 40,
    fmt: Annotated[str, typer.Option("--format", help="table, or csv (every hit, to stdout).")] = "table",
) -> None:
    """Find passages across the study, keyword-in-context, with hits counted by pair x arm.

    By lemma: 'lived' also finds 'live', 'living', 'lives'. Interviewer turns are left out
    unless --include-interviewer. Position: s = sentence and t = turn numbers (as in
    'fieldcode show'), @ = character offset.

    Example: fieldcode search "move away" --where arm=lagging
    Example: fieldcode search "over the river" --exact --format csv > river.csv
    Example: fieldcode search "estate'?s? reputation" --regex --outside-code place
    """
    if fmt not in ("table", "csv"):
        raise InvalidInput(f"--format is table or csv, not {fmt!r}")
    p = state(ctx).project(write=False)
    q = _query(query, exact, regex, where, speaker, include_interviewer, in_code, outside_code, coded_by)
    result = searchmod.search(p.store, q, model=p.settings.spacy_model)
    if fmt == "csv":
        from fieldcode.analysis.export import csv_writer  # formula-like cells neutralised

        buf = io.StringIO()
        w = csv_writer(buf)
        w.writerow(["interview", "pair", "arm", "speaker", "sentence", "turn", "start", "end", "left", "hit", "right"])
        for a in range(0, result.n_hits, CSV_SLICE):   # hits built and written a slice at a time
            for k in searchmod.kwic(p.store, result.hit_slice(a, a + CSV_SLICE), width):
                h = k.hit
                w.writerow([h.interview, h.attributes.get("pair", ""), h.attributes.get("arm", ""), h.speaker or "",
                            h.sentence or "", h.turn or "", h.start, h.end, k.left, k.match, k.right])
        sys.stdout.write(buf.getvalue())
        return
    shown = result.hit_slice(0, max(0, limit))
    t = Table(show_lines=False)
    for col in ("interview", "speaker", "position"):
        t.add_column(col, no_wrap=True)
    t.add_column("left", justify="right", no_wrap=True, overflow="ellipsis")
    t.add_column("hit", style="bold", no_wrap=True)
    t.add_column("right", no_wrap=True, overflow="ellipsis")
    for k in searchmod.kwic(p.store, shown, width):
        h = k.hit
        t.add_row(literal(h.interview), literal(h.speaker or "\u2014"), _position(h),
                  literal(k.left), literal(k.match), literal(k.right))
    if shown:
        out.print(t)
    more = f" (first {len(shown)} shown: --limit)" if len(shown) < result.n_hits else ""
    out.print(f"{result.n_hits} hit(s) in {result.n_interviews_with_hits} of "
              f"{len(result.interviews)} interview(s) searched{more}", highlight=False)
    c = Table(title="hits by pair x arm")
    for col in ("pair", "arm", "hits", "interviews with hits", "interviews searched", "words", "hits per 1,000 words"):
        c.add_column(col, justify="left" if col in ("pair", "arm") else "right")
    for cell in searchmod.counts_by_pair_arm(result):
        c.add_row(literal(cell.pair), literal(cell.arm), str(cell.hits), str(cell.interviews_with_hits),
                  str(cell.interviews), f"{cell.words:,}", f"{cell.per_1000_words:.2f}")
    out.print(c)
    if not include_interviewer:
        out.print("Interviewer turns are left out (--include-interviewer to search them).", highlight=False)
        with_turns = p.store.turn_counts()
        unmarked = sorted(info[0] for iid, info in result.interviews.items() if iid not in with_turns)
        if unmarked:
            shown = ", ".join(unmarked[:3]) + (f" and {len(unmarked) - 3} more" if len(unmarked) > 3 else "")
            err.print(f"[yellow]warning:[/] {len(unmarked)} of the {len(result.interviews)} interviews searched have no "
                      f"speaker turns ({plain(shown)}): all their text is searched, interviewer speech included "
                      "(see 'fieldcode interviews' and README: speaker turns)")


def _report(code: str, r: suggestmod.Proposed) -> None:
    out.print(f"{plain(code)}: {len(r.added)} suggestion(s) proposed from {r.hits} hit(s); {r.skipped} skipped "
              "(already proposed, accepted, rejected or coded, or the same unit twice)", highlight=False)


@suggest_app.command("search")
def suggest_search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="As for 'fieldcode search'.")],
    code: Annotated[str, typer.Option("--code", help="The code to propose (its key).")],
    unit: UnitOpt = "sentence",
    to: ToOpt = None,
    exact: ExactOpt = False,
    regex: RegexOpt = False,
    where: WhereOpt = None,
    speaker: SpeakerOpt = None,
    include_interviewer: InterviewerOpt = False,
    in_code: InCodeOpt = None,
    outside_code: OutCodeOpt = None,
    coded_by: CodedByOpt = None,
) -> None:
    """Search, and propose a coding of --code on each hit's unit (hit, sentence or turn) to
    review: nothing is coded until the coder accepts it ('fieldcode suggest review').

    Example: fieldcode --coder ana suggest search "move away" --code aspiration --unit sentence
    """
    p = state(ctx).project()
    by = p.require_coder()
    q = _query(query, exact, regex, where, speaker, include_interviewer, in_code, outside_code, coded_by)
    r = suggestmod.propose_from_search(p.store, q, code, to=to or by, by=by, unit=unit, model=p.settings.spacy_model)
    _report(code, r)


@suggest_app.command("keywords")
def suggest_keywords(
    ctx: typer.Context,
    code: Annotated[Optional[list[str]], typer.Option("--code", help="Only this code (repeat for more; default: every code with keywords).")] = None,
    unit: UnitOpt = "sentence",
    to: ToOpt = None,
) -> None:
    """Propose codings from each code's 'keywords' in codebook.yaml (searched by lemma;
    interviewer turns left out).

    Example: fieldcode --coder ana suggest keywords --code leadership --unit turn
    """
    p = state(ctx).project()
    by = p.require_coder()
    res = suggestmod.propose_from_keywords(p.store, to=to or by, by=by, codes=code, unit=unit,
                                           model=p.settings.spacy_model)
    if not res:
        out.print("no code has keywords (add 'keywords: [...]' to a code in codebook.yaml)")
    for key, r in res.items():
        _report(key, r)


def _suggestion_table(p, rows, width: int = 40) -> Table:  # noqa: ANN001
    t = Table()
    for col in ("id", "interview", "code", "span", "state", "origin", "text"):
        t.add_column(col)
    texts = store_search.q_contexts(p.store, [(s.interview_id, s.start, s.end) for s in rows], 0)
    for s, text in zip(rows, texts):
        body = " ".join(text.split())
        body = body if len(body) <= 2 * width else body[:2 * width - 1] + "\u2026"
        t.add_row(str(s.id), literal(s.interview), literal(s.code), f"[{s.start}, {s.end})", s.state,
                  literal(suggestmod.describe_origin(s.origin)), literal(body))
    return t


@suggest_app.command("list")
def suggest_list(
    ctx: typer.Context,
    which: Annotated[str, typer.Option("--state", help="proposed, accepted, rejected or all.")] = "proposed",
    code: Annotated[Optional[str], typer.Option("--code", help="Only this code.")] = None,
) -> None:
    """List your suggestions (proposed ones by default) with their origin and text.

    Example: fieldcode --coder ana suggest list --state rejected
    """
    p = state(ctx).project(write=False)
    coder = p.require_coder()
    rows = store_search.suggestions(p.store, coder=coder, state=None if which == "all" else which,
                                    code_id=p.store.code(code).id if code else None)
    if rows:
        out.print(_suggestion_table(p, rows))
    n = store_search.suggestion_counts(p.store, coder)
    out.print(f"{plain(coder)}: {n['proposed']} proposed, {n['accepted']} accepted, {n['rejected']} rejected", highlight=False)


@suggest_app.command("accept")
def suggest_accept(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Suggestion id(s) (see 'suggest list').")],
    start: Annotated[Optional[int], typer.Option("--start", help="Adjust the span's start (one suggestion only).")] = None,
    end: Annotated[Optional[int], typer.Option("--end", help="Adjust the span's end (one suggestion only).")] = None,
) -> None:
    """Accept suggestions: each becomes your coding, its origin kept in the event log.

    Example: fieldcode --coder ana suggest accept 3 4 7
    Example: fieldcode --coder ana suggest accept 5 --end 812
    """
    p = state(ctx).project()
    coder = p.require_coder()
    if (start is not None or end is not None) and len(ids) != 1:
        raise InvalidInput("--start/--end adjust one suggestion: give one id")
    for sid in ids:
        row = store_search.accept_suggestion(p.store, sid, coder, start=start, end=end)
        out.print(f"suggestion #{sid} accepted: coding #{row.id} [{row.start}, {row.end}) by {plain(coder)}",
                  highlight=False)


@suggest_app.command("reject")
def suggest_reject(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Suggestion id(s) (see 'suggest list').")],
) -> None:
    """Reject suggestions: they are remembered and not proposed to you again.

    Example: fieldcode --coder ana suggest reject 5 6
    """
    p = state(ctx).project()
    coder = p.require_coder()
    for sid in ids:
        store_search.reject_suggestion(p.store, sid, coder)
        out.print(f"suggestion #{sid} rejected", highlight=False)


@suggest_app.command("review")
def suggest_review(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Option("--code", help="Only this code's suggestions.")] = None,
    width: Annotated[int, typer.Option("--width", help="Characters of context either side.")] = 60,
) -> None:
    """Go through your proposed suggestions one by one: [a]ccept, [r]eject, [s]kip, [q]uit.
    Every decision is saved at once.

    Example: fieldcode --coder ana suggest review --code leadership
    """
    p = state(ctx).project()
    coder = p.require_coder()
    rows = store_search.suggestions(p.store, coder=coder, state="proposed",
                                    code_id=p.store.code(code).id if code else None)
    decided = {"accepted": 0, "rejected": 0, "skipped": 0}
    for i, s in enumerate(rows, start=1):
        lo = max(0, s.start - width)
        ctx_text = store_search.q_contexts(p.store, [(s.interview_id, s.start, s.end)], width)[0]
        a, b = s.start - lo, s.end - lo
        out.print(f"\n[{i}/{len(rows)}] #{s.id} {plain(s.code)} in {plain(s.interview)} [{s.start}, {s.end})",
                  highlight=False)
        out.print(f"  {plain(suggestmod.describe_origin(s.origin))}", highlight=False)
        out.print("  " + plain(" ".join(ctx_text[:a].split())) + " [reverse]" + plain(" ".join(ctx_text[a:b].split()))
                  + "[/reverse] " + plain(" ".join(ctx_text[b:].split())), highlight=False)
        choice = typer.prompt("  accept, reject, skip, quit? [a/r/s/q]", default="s").strip().lower()[:1]
        if choice == "q":
            break
        if choice == "a":
            row = store_search.accept_suggestion(p.store, s.id, coder)
            out.print(f"  accepted: coding #{row.id}", highlight=False)
            decided["accepted"] += 1
        elif choice == "r":
            store_search.reject_suggestion(p.store, s.id, coder)
            out.print("  rejected", highlight=False)
            decided["rejected"] += 1
        else:
            decided["skipped"] += 1
    out.print(f"{decided['accepted']} accepted, {decided['rejected']} rejected, {decided['skipped']} skipped; "
              f"{store_search.suggestion_counts(p.store, coder)['proposed']} still proposed", highlight=False)
