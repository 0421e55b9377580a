"""``fieldcode pseudonyms scan|list|accept|reject|add``: the review queue of identifying details
(``fieldcode.privacy``).  The key (original -> pseudonym) is ``pseudonyms.key.yaml`` in the
study folder, never the database; the database logs each decision (who, when, the entry's id).
Registered on the shared app (fieldcode.cli.base) when imported."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, err, out, state
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import literal, plain

review = lazy_module("fieldcode.privacy.review")   # the store and wordfreq load on first use

pseudonyms_app = typer.Typer(
    help="Find identifying details in the transcripts (names, places, ages, dates, addresses, ...), review "
         "them and keep their pseudonyms in a key file apart from the database.",
    no_args_is_help=True)
app.add_typer(pseudonyms_app, name="pseudonyms")

STATES = ("open", "accepted", "rejected")
CategoryOpt = Annotated[Optional[str], typer.Option(
    "--category", help="Category: speaker, participant, person, name, place, organisation, address, postcode, "
                       "phone, email, url, date, age (or an attribute's name).")]
AsOpt = Annotated[Optional[str], typer.Option(
    "--as", help="The replacement to use instead of the category's next label (e.g. '[Rosa]').")]


def _where(e) -> str:  # noqa: ANN001
    names = list(e.occurrences)
    if not names:
        return "not in the text"
    more = f" +{len(names) - 2}" if len(names) > 2 else ""
    return ", ".join(names[:2]) + more


@pseudonyms_app.command("scan")
def pn_scan(ctx: typer.Context) -> None:
    """Scan every transcript for identifying details and put them in the review queue.

    Proposes speaker labels, the values of identifying attributes (participant, neighbourhood,
    pair and others named for places, schools or people; those listed under 'identifying:' in
    the codebook's study section; any other whose value reads as a proper name), names already in
    the key, capitalised words that are neither at a sentence start nor common words, ages,
    dates, addresses, UK postcodes, phone numbers, e-mail addresses and web addresses, and,
    when your settings name an installed trained spaCy pipeline (spacy_model), its person,
    place and organisation entities.  Nothing leaves this machine.  Decisions already taken
    are kept; the key file pseudonyms.key.yaml is created in the study folder (0600).

    Example: fieldcode --coder ana pseudonyms scan
    """
    p = state(ctx).project()
    coder = p.require_coder()
    rep = review.scan_study(p.store, p.root, p.study, coder, spacy_model=p.settings.spacy_model)
    t = Table(title=f"{rep.candidates} candidate(s), {rep.new} new; {rep.open} open for review")
    t.add_column("category")
    t.add_column("candidates", justify="right")
    for cat, n in sorted(rep.by_category.items(), key=lambda kv: (-kv[1], kv[0])):
        t.add_row(literal(cat), str(n))
    out.print(t)
    out.print(f"key: {plain(str(p.root / 'pseudonyms.key.yaml'))} (keep it apart from fieldcode.db and every "
              "export). Next: 'fieldcode pseudonyms list --state open'.", highlight=False)


@pseudonyms_app.command("list")
def pn_list(
    ctx: typer.Context,
    category: CategoryOpt = None,
    state_: Annotated[Optional[str], typer.Option("--state", help="open, accepted or rejected.")] = None,
) -> None:
    """List the key's entries: id, category, the detail, its pseudonym, how often and where it
    occurs, and who decided it.

    Example: fieldcode pseudonyms list --state open --category name
    """
    if state_ is not None and state_ not in STATES:
        raise InvalidInput(f"--state '{state_}' is not a state: use open, accepted or rejected")
    p = state(ctx).project(write=False)
    rows = review.entries(p.root, category=category, state=state_)
    t = Table()
    for col in ("id", "category", "detail", "state", "pseudonym", "times", "where", "by"):
        t.add_column(col, justify="right" if col == "times" else "left")
    for e in rows:
        t.add_row(e.id, literal(e.category), literal(e.original), e.state, literal(e.pseudonym or ""),
                  str(e.n_occurrences), literal(_where(e)), literal(e.by or ""))
    out.print(t)
    out.print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}", highlight=False)


@pseudonyms_app.command("accept")
def pn_accept(
    ctx: typer.Context,
    ids: Annotated[Optional[list[str]], typer.Argument(help="Entry id(s) from 'pseudonyms list'.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Accept every open entry.")] = False,
    as_: AsOpt = None,
    category: CategoryOpt = None,
) -> None:
    """Accept entries as identifying: each is replaced everywhere by its pseudonym (the next
    label of its category, [Participant 3], [Place B] ..., unless --as names one).

    Example: fieldcode --coder ana pseudonyms accept 3f9a0c12d4 --as "[Rosa]"
    Example: fieldcode --coder ana pseudonyms accept --all
    """
    p = state(ctx).project()
    done = review.accept(p.store, p.root, p.require_coder(), ids or [], all_open=all_, as_text=as_,
                         category=category)
    for e in done:
        out.print(f"accepted {e.id} ({plain(e.category)}) {plain(e.original)} -> {plain(e.pseudonym)}", highlight=False)
    if not done:
        err.print("nothing to accept: no open entries")


@pseudonyms_app.command("reject")
def pn_reject(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Entry id(s) from 'pseudonyms list'.")],
) -> None:
    """Reject entries: not identifying, never replaced (a later scan does not ask again).

    Example: fieldcode --coder ana pseudonyms reject 3f9a0c12d4
    """
    p = state(ctx).project()
    for e in review.reject(p.store, p.root, p.require_coder(), ids):
        out.print(f"rejected {e.id} ({plain(e.category)}) {plain(e.original)}", highlight=False)


@pseudonyms_app.command("add")
def pn_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The identifying words, as they appear in the text.")],
    category: CategoryOpt = None,
    as_: AsOpt = None,
) -> None:
    """Mark a detail the scan missed as identifying: it is accepted at once, wherever it occurs
    (any case or accents, whole words).

    Example: fieldcode --coder ana pseudonyms add "Rosa Quinlan" --category person
    """
    p = state(ctx).project()
    e = review.add(p.store, p.root, p.require_coder(), text, category=category or "name", as_text=as_)
    out.print(f"added {e.id} ({plain(e.category)}) {plain(e.original)} -> {plain(e.pseudonym)}: "
              f"{e.n_occurrences} occurrence(s) in {len(e.occurrences)} interview(s)", highlight=False)
