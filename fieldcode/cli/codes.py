"""``fieldcode codes new|rename|recolour|move|merge|rekey``: manage codes without editing
``codebook.yaml`` by hand.  Each command changes only the lines of the file it must (comments and
layout stay) and syncs the database; merge and rekey change the database and the file in one
transaction.  Registered on the shared app (fieldcode.cli.base) when imported
(fieldcode.cli.index says which module when)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

from fieldcode.cli.base import codes_app, out, state
from fieldcode.errors import InvalidInput


CodeArg = Annotated[str, typer.Argument(help="The code: its key, or its name in quotes.")]


def _say(msg: str) -> None:
    out.print(escape(msg))


@codes_app.command("new")
def codes_new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Display name of the new code.")],
    parent: Annotated[Optional[str], typer.Option("--parent", help="Put it under this code (key or name).")] = None,
    key: Annotated[Optional[str], typer.Option("--key", help="Its key (default: a slug of the name).")] = None,
    colour: Annotated[Optional[str], typer.Option("--colour", "--color", help="#RRGGBB (default: the palette colour farthest from those in use).")] = None,
    hotkey: Annotated[Optional[str], typer.Option("--hotkey", help="One letter or digit that applies it in the coding screen.")] = None,
    definition: Annotated[str, typer.Option("--definition", help="What the code means.")] = "",
) -> None:
    """Add a code to codebook.yaml (a name already in use is refused, naming that code).

    Example: fieldcode codes new "Pride in place" --parent place --definition "Residents' pride in the estate"
    """
    p = state(ctx).project()
    c = p.add_code(name, key=key, parent=parent, colour=colour, definition=definition, hotkey=hotkey)
    _say(f"added code '{c.name}' (key {c.key}, colour {c.colour}{', under ' + c.parent if c.parent else ''}) "
         f"to codebook.yaml line {c.line}")


@codes_app.command("rename")
def codes_rename(ctx: typer.Context, code: CodeArg,
                 name: Annotated[str, typer.Argument(help="The new display name.")]) -> None:
    """Give a code a new display name; its key, and so its codings, stay.

    Example: fieldcode codes rename housing "Homes and housing"
    """
    p = state(ctx).project()
    old = p.code_def(code).name
    c = p.rename_code(code, name)
    _say(f"renamed '{old}' to '{c.name}' (key {c.key}; its codings are kept)")


@codes_app.command("recolour")
def codes_recolour(ctx: typer.Context, code: CodeArg,
                   colour: Annotated[str, typer.Argument(help="#RRGGBB, e.g. \"#ff8700\".")]) -> None:
    """Change a code's colour.

    Example: fieldcode codes recolour crime-and-grime "#ff8700"
    """
    p = state(ctx).project()
    c = p.recolour_code(code, colour)
    _say(f"'{c.name}' is now {c.colour}")


@codes_app.command("move")
def codes_move(
    ctx: typer.Context, code: CodeArg,
    parent: Annotated[Optional[str], typer.Argument(help="The new parent (key or name); leave out with --top.")] = None,
    top: Annotated[bool, typer.Option("--top", help="Make it a top-level code.")] = False,
) -> None:
    """Put a code under another parent, or at the top level with --top.

    Example: fieldcode codes move crime-and-grime --top
    """
    if (parent is None) == (not top):
        raise InvalidInput("give either the new parent or --top")
    p = state(ctx).project()
    c = p.move_code(code, None if top else parent)
    _say(f"'{c.name}' is now " + (f"under '{p.code_def(c.parent).name}'" if c.parent else "a top-level code"))


@codes_app.command("merge")
def codes_merge(ctx: typer.Context,
                source: Annotated[str, typer.Argument(help="The code that goes (key or name).")],
                target: Annotated[str, typer.Argument(help="The code it goes into (key or name).")]) -> None:
    """Merge one code into another: every coder's codings move (one event each in the log,
    recorded under your name), its child codes and memos move, and it leaves codebook.yaml.

    Example: fieldcode --coder ana codes merge economy wider-economy
    """
    p = state(ctx).project()
    p.require_coder()
    name = p.code_def(source).name
    c, moved = p.merge_codes(source, target)
    _say(f"merged '{name}' into '{c.name}': {moved} coding{'s' if moved != 1 else ''} moved "
         f"(fieldcode log shows each, by {p.coder})")


@codes_app.command("rekey")
def codes_rekey(ctx: typer.Context, code: CodeArg,
                key: Annotated[str, typer.Argument(help="The new key (lowercase letters, digits, '-' or '_').")]) -> None:
    """Change a code's key; its codings, memos and child codes follow it (database and
    codebook.yaml change together).

    Example: fieldcode --coder ana codes rekey agency-collaboration partnership
    """
    p = state(ctx).project()
    p.require_coder()
    old = p.code_def(code).key
    c = p.rekey_code(code, key)
    _say(f"key '{old}' is now '{c.key}' ('{c.name}'; its codings moved with it)")


@codes_app.command("split")
def codes_split(
    ctx: typer.Context, code: CodeArg,
    into: Annotated[str, typer.Option("--into", help="The new codes' keys, comma-separated (two or more), e.g. housing-cost,housing-repair.")],
    names: Annotated[Optional[list[str]], typer.Option("--name", help="A new code's display name, in the order of --into (default: its key).")] = None,
    as_children: Annotated[bool, typer.Option("--as-children", help="Put the new codes under the split code, which stays as their category (default: beside it, under its parent).")] = False,
) -> None:
    """Split a code into new ones: each coder then decides, in their re-check queue, which new code each of their codings of it becomes.

    The new codes are added to codebook.yaml (only their own lines) beside the split code, or
    under it with --as-children; the split code gets codable: false (it is no longer offered for
    new coding) and keeps its codings until their coders settle them: 'fieldcode recheck' lists
    each as "split: choose A or B", 'recheck recode ID A' moves it, 'recheck keep ID' leaves it on
    the old code, 'recheck remove ID' drops it (each an event, undone with 'fieldcode undo').
    Until then crosstab and agreement count those codings under the old code.

    Example: fieldcode --coder ana codes split housing --into housing-cost,housing-repair --name "Housing costs" --name "Repairs"
    """
    from fieldcode.store.code_ops import split_code
    from fieldcode.study import codebook_edit as cbedit
    from fieldcode.study.codebook import KEY_RE, CodeDef, load
    from fieldcode.study.folder import CODEBOOK
    from fieldcode.study.palette import next_colour

    p = state(ctx).project()
    who = p.require_coder()
    keys = [k.strip() for k in into.split(",") if k.strip()]
    names = list(names or [])
    src = p.code_def(code)
    if len(keys) < 2:
        raise InvalidInput(f"--into needs two or more new code keys, comma-separated (got '{into}')")
    if len(set(keys)) != len(keys):
        raise InvalidInput(f"--into names a key twice ('{into}'): each new code needs its own key")
    if len(names) > len(keys):
        raise InvalidInput(f"{len(names)} --name given for {len(keys)} new codes: give at most one --name per key in --into")
    if not src.codable:
        raise InvalidInput(f"'{src.name}' ({src.key}) is already not codable (a category, or split before): "
                           "split a code that is coded")
    taken = {c.key for c in p.codebook.codes} | {c.key for c in p.store.codes(include_retired=True)}
    parts, colours = [], [c.colour for c in p.codebook.codes]
    for i, key in enumerate(keys):
        if not KEY_RE.match(key):
            raise InvalidInput(f"bad key '{key}' in --into: use lowercase letters, digits, '-' or '_'")
        if key in taken:
            raise InvalidInput(f"key '{key}' is already used (or was used by a retired code, whose codings it would "
                               "bring back): choose another key for the new code")
        name = " ".join((names[i] if i < len(names) else key).split())
        same = p.code_named(name) or next((d for d in parts if d.name.casefold() == name.casefold()), None)
        if same is not None:
            raise InvalidInput(f"a code named '{name}' already exists (key '{same.key}'): give the new code "
                               f"'{key}' another --name")
        colour = next_colour(colours)
        colours.append(colour)
        parts.append(CodeDef(key=key, name=name, parent=src.key if as_children else src.parent, colour=colour,
                             definition=f"Part of '{src.name}' ({src.key}), split by {who}."))
    path = p.root / CODEBOOK
    edit, cb = cbedit.plan_split(path, src.key, parts)
    waiting = split_code(p.store, src.key, keys, by=who, on_commit=lambda: cbedit.commit(edit),
                         on_abort=lambda: cbedit.restore(edit))
    p.codebook = load(path)
    p.sync = p.store.sync_codebook(p.codebook, by=p.coder)
    where = f"under '{src.name}'" if as_children else "beside it"
    _say(f"split '{src.name}' ({src.key}) into {', '.join(keys)} ({where}); '{src.key}' is no longer offered for "
         f"new coding. {waiting} coding{'s' if waiting != 1 else ''} of it wait in their coders' re-check queues "
         "('fieldcode recheck'); until settled they still count under the old code")
