"""``fieldcode recheck`` (the re-check queue and its decisions) and ``fieldcode codebook history|diff``
(the codebook's recorded versions, and what changed per code): codings pinned to the codebook
version they were made under (``fieldcode.store.pins``).  Registered on the shared app when
imported (fieldcode.cli.index says which module when)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, codebook_app, out, state
from fieldcode.errors import InvalidInput, NotFound
from fieldcode.safe import plain as escape

recheck_app = typer.Typer(
    invoke_without_command=True,
    help="List the codings made under an older definition of their code (the re-check queue), and keep, "
         "recode or remove them.",
)
app.add_typer(recheck_app, name="recheck")

UNKNOWN_NOTE = ("made before fieldcode recorded the codebook version and definition of each coding, or brought in "
                "from a tool that does not record them; they are never put in the queue, and never counted as made "
                "under any version")


def _versions(p) -> list:  # noqa: ANN001
    return p.store.codebook_versions()


def version_label(versions: list, h: str | None) -> str:
    """``v3 (9c1d02ab)``: the newest version number with hash ``h`` (numbers count the recorded
    versions from 1, oldest first); ``unknown`` for None."""
    if h is None:
        return "unknown"
    n = max((i for i, v in enumerate(versions, 1) if v.hash == h), default=None)
    return f"v{n} ({h[:8]})" if n else f"({h[:8]}, not recorded here)"


def _pick(versions: list, ref: str) -> int:
    """Index of the version named ``ref``: its number (``3`` or ``v3``) or a hash prefix."""
    r = ref.strip().lower()
    if r in ("current", "latest", "newest") and versions:
        return len(versions) - 1
    num = r[1:] if r.startswith("v") else r
    if num.isdigit() and 1 <= int(num) <= len(versions):
        return int(num) - 1
    hits = [i for i, v in enumerate(versions) if len(r) >= 4 and v.hash.startswith(r)]
    if hits:
        return hits[-1]
    raise NotFound(f"no codebook version '{ref}': versions are numbered 1 to {len(versions)} "
                   "('fieldcode codebook history' lists them), or name one by the start of its hash (4+ characters)")


@codebook_app.command("history")
def codebook_history(ctx: typer.Context) -> None:
    """List the codebook versions this project recorded, with when and by whom, and which codes each changed.

    A version is recorded when a command that writes first sees a changed codebook.yaml.  The
    codes whose definition (name, definition, use_when, not_when, example) changed are marked
    with *: their codings made before enter their coders' re-check queue.  Merged and
    split codes are listed under the table.

    Example: fieldcode codebook history
    """
    from fieldcode.store.pins import lineage
    from fieldcode.study.codebook_history import diff_versions, version_codes

    p = state(ctx).project(write=False)
    versions = _versions(p)
    if not versions:
        out.print("no codebook version recorded yet (a command that writes records codebook.yaml)")
        return
    t = Table()
    for col in ("version", "recorded (UTC)", "synced by", "hash", "codes", "what changed"):
        t.add_column(col)
    prev: dict = {}
    for i, v in enumerate(versions, 1):
        now = version_codes(v.yaml_text)
        if i == 1:
            what = "first version"
        else:
            parts = [f"{ch.key}{'*' if ch.definition_changed and ch.kind == 'changed' else ''} ({ch.kind})"
                     for ch in diff_versions(prev, now)]
            what = ", ".join(parts) or "study settings only"
        t.add_row(f"v{i}", v.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), escape(v.synced_by or "(not recorded)"),
                  v.hash[:12], str(v.n_codes), escape(what))
        prev = now
    out.print(t)
    out.print("* the code's definition changed: its codings made before are in their coders' re-check queue "
              "('fieldcode recheck'). 'fieldcode codebook diff A B' shows each change.")
    splits: dict[str, list] = {}
    for row in lineage(p.store):
        if row.kind == "split":
            splits.setdefault(row.from_key, []).append(row)
            continue
        out.print(escape(f"{row.kind}: '{row.from_key}' into '{row.to_key}' by {row.by} at "
                         f"{row.at:%Y-%m-%d %H:%M:%S} (its codings now count under '{row.to_key}')"))
    for key, rows in splits.items():      # one line per split, its parts together
        out.print(escape(f"split: '{key}' into {', '.join(repr(r.to_key) for r in rows)} by {rows[0].by} at "
                         f"{rows[0].at:%Y-%m-%d %H:%M:%S} (each coding of '{key}' counts under it until its coder "
                         "recodes it to a part in 'fieldcode recheck')"))


def _short(v: object, width: int = 70) -> str:
    s = "" if v is None else ", ".join(v) if isinstance(v, list) else str(v)
    s = " ".join(s.split())
    return "(empty)" if not s else s if len(s) <= width else s[: width - 1] + "\u2026"


@codebook_app.command("diff")
def codebook_diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="The older version: its number from 'codebook history' (3 or v3) or the start of its hash.")],
    b: Annotated[Optional[str], typer.Argument(help="The newer version (default: the newest recorded).")] = None,
) -> None:
    """Show what changed per code between two recorded codebook versions.

    For each code added, removed or changed: the fields that changed, old and new (long text
    shortened), and how many codings, per coder, are pinned to its definition in version A.

    Example: fieldcode codebook diff 1 2
    Example: fieldcode codebook diff v1
    """
    from fieldcode.store.pins import definitions_pinned
    from fieldcode.study.codebook_history import diff_versions, version_codes

    p = state(ctx).project(write=False)
    blinder = getattr(p, "blinder", None)

    def say(text: str) -> None:      # a blind coder: a definition naming a hidden value is masked
        out.print(escape(text if blinder is None else blinder.mask_output(text)))

    versions = _versions(p)
    if not versions:
        raise InvalidInput("no codebook version recorded yet: nothing to compare")
    ia, ib = _pick(versions, a), _pick(versions, b) if b is not None else len(versions) - 1
    old, new = version_codes(versions[ia].yaml_text), version_codes(versions[ib].yaml_text)
    changes = diff_versions(old, new)
    out.print(f"codebook v{ia + 1:d} ({versions[ia].hash[:8]}) -> v{ib + 1:d} ({versions[ib].hash[:8]}): "
              f"{len(changes)} code(s) changed")
    pinned = definitions_pinned(p.store)
    for ch in changes:
        mark = " (definition)" if ch.kind == "changed" and ch.definition_changed else ""
        say(f"{ch.key}: {ch.kind}{mark}")
        for f, was, now in ch.fields:
            if blinder is not None:                # masked whole, then shortened
                was, now = blinder.mask_output(_short(was, 10_000)), blinder.mask_output(_short(now, 10_000))
            say(f"  {f}: {_short(was)}  ->  {_short(now)}")
        if ch.key in old and ch.definition_changed:
            by = pinned.get((ch.key, old[ch.key].definition_hash), {})
            if blinder is not None:     # a blind coder learns of their own codings only
                by = {c: n for c, n in by.items() if c == p.coder}
            if by:
                who = ", ".join(f"{c} {n}" for c, n in sorted(by.items()))
                out.print(escape(f"  codings made under the v{ia + 1} definition: {sum(by.values())} ({who})"))


@recheck_app.callback()
def recheck(
    ctx: typer.Context,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Only this coder's queue (default: yours, when you are known; else everyone's).")] = None,
) -> None:
    """List the codings made under an older definition of their code (the re-check queue), and keep, recode or remove them.

    When a code's definition (name, definition, use_when, not_when, example) changes in
    codebook.yaml, each coding of it made before enters its coder's queue.  Each coder decides
    on their own codings: keep (it fits the new definition), recode (to another code) or remove;
    each decision is an event, undone with 'fieldcode undo'.  The coding screen's re-check
    screen (key R) does the same one coding at a time.

    Example: fieldcode recheck --coder ana
    Example: fieldcode --coder ana recheck keep 12
    Example: fieldcode --coder ana recheck recode 13 housing
    """
    if ctx.invoked_subcommand is not None:
        return
    from fieldcode.store.pins import pin_counts, recheck_queue

    p = state(ctx).project(write=False)
    b = getattr(p, "blinder", None)     # a blind coder sees interviews by their labels only, and only their own codings
    if b is not None and coder not in (None, p.coder):
        raise InvalidInput(f"{p.coder} codes blind: only their own re-check queue is shown until the lead ends "
                           "blinding ('fieldcode blind status')")
    who = coder or p.coder
    items = recheck_queue(p.store, who)

    def shown(text: str, width: int | None = None) -> str:
        text = text if b is None else b.mask_output(text)     # masked before it is shortened
        return escape(text if width is None else _short(text, width))

    versions = _versions(p)
    scope = f"of {who}" if who else "of every coder"
    if not items:
        out.print(escape(f"re-check queue {scope}: empty (no coding was made under an older definition of its code)"))
    else:
        n_split = sum(1 for it in items if it.split_into)
        out.print(escape(f"re-check queue {scope}: {len(items) - n_split} coding(s) made under an older definition of "
                         f"their code" + (f", {n_split} of a code that was split" if n_split else "")))
        t = Table()
        for col in ("coding", "coder", "interview", "code", "span", "made under", "text"):
            t.add_column(col)
        for it in items:
            made = (f"split: choose {' or '.join(it.split_into)}" if it.split_into
                    else version_label(versions, it.codebook_hash))
            t.add_row(f"#{it.coding_id}", escape(it.coder), shown(it.interview), escape(it.code_key),
                      f"[{it.start}, {it.end})", escape(made), shown(it.quote, 40))
        out.print(t)
        out.print("decide, as the coding's coder: fieldcode recheck keep|remove CODING, fieldcode recheck recode "
                  "CODING CODE ('fieldcode codebook diff' shows what changed)")
    counts = pin_counts(p.store, who)
    unknown = sum(d["unknown"] for d in counts.values())
    split_by: dict[str, int] = {}     # codings of a split code awaiting their coder (counted apart from the pins)
    for it in items:
        if it.split_into:
            split_by[it.coder] = split_by.get(it.coder, 0) + 1
    for c, d in sorted(counts.items()):
        out.print(escape(f"{c}: {d['current']} coding(s) under the current definitions, {d['older']} under an older "
                         f"one (queued), {d['unknown']} with no recorded definition"
                         + (f"; {split_by[c]} of a split code (queued)" if split_by.get(c) else "")))
    if unknown:
        out.print(escape(f"no recorded definition: {UNKNOWN_NOTE}"))


def _decided(verb: str, row, p) -> None:  # noqa: ANN001
    out.print(escape(f"{verb} coding #{row.id}; 'fieldcode undo' takes it back"))


@recheck_app.command("keep")
def recheck_keep(ctx: typer.Context, coding: Annotated[int, typer.Argument(help="The coding's number (from 'fieldcode recheck').")]) -> None:
    """Keep one of your queued codings: it fits its code's current definition.

    Example: fieldcode --coder ana recheck keep 12
    """
    p = state(ctx).project()
    row = p.store.recheck_keep(coding, p.require_coder())
    _decided("kept under the current definition:", row, p)


@recheck_app.command("recode")
def recheck_recode(ctx: typer.Context,
                   coding: Annotated[int, typer.Argument(help="The coding's number (from 'fieldcode recheck').")],
                   code: Annotated[str, typer.Argument(help="The code it becomes (key or name).")]) -> None:
    """Recode one of your queued codings to another code.

    Example: fieldcode --coder ana recheck recode 13 housing
    """
    p = state(ctx).project()
    row = p.store.recheck_recode(coding, p.require_coder(), code)
    _decided(f"recoded to '{p.store.code(row.code_id).key}':", row, p)


@recheck_app.command("remove")
def recheck_remove(ctx: typer.Context, coding: Annotated[int, typer.Argument(help="The coding's number (from 'fieldcode recheck').")]) -> None:
    """Remove one of your queued codings: it is no instance of the code as now defined.

    Example: fieldcode --coder ana recheck remove 14
    """
    p = state(ctx).project()
    row = p.store.recheck_remove(coding, p.require_coder())
    _decided("removed", row, p)

