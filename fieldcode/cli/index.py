"""The command table, and the console script that builds only the command it runs.

Typer turns every registered function into a Click command each time the app runs, reading
every annotation of every command (about 0.2 s for fieldcode's ~50), and each command module
has its own imports.  ``main`` (the ``fieldcode`` console script) reads the command name from
the command line, imports only the module(s) that define it, and builds only that command;
``fieldcode --help`` lists the commands from ``COMMANDS`` below without building any.

``fieldcode.cli.app`` is the whole app (every module imported), for tests and for anyone who
calls it from Python.  tests/test_startup.py checks that ``COMMANDS`` names every command of
that app, in its order, with the module(s) that define it and its help's first sentence, so the
table cannot drift from the code.  This module imports nothing heavy.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

# name, modules that define it (a group: every module that adds a subcommand), first sentence
# of its help.  The order is the order of the help listing.
COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("init", ("fieldcode.cli.project",),
     "Start a new study: a commented codebook.yaml template and an empty interviews/ folder."),
    ("summary", ("fieldcode.cli.project",),
     "Show the project: codebook, interviews per pair and arm, codings, coders."),
    ("settings", ("fieldcode.cli.project",), "Show where the user settings file is and what it holds."),
    ("import", ("fieldcode.cli.project",),
     "Import transcripts (.txt .md .docx .odt .rtf .vtt .srt .pdf), or a REFI-QDA project (.qdpx, .qde) "
     "or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA or QualCoder."),
    ("interviews", ("fieldcode.cli.project",),
     "List interviews with their attributes, word counts and coding progress; warn about design problems "
     "(a pair missing an arm, missing attributes)."),
    ("undo", ("fieldcode.cli.coding",), "Undo your latest coding change (works across restarts)."),
    ("redo", ("fieldcode.cli.coding",), "Redo the change you undid most recently."),
    ("log", ("fieldcode.cli.coding",), "The audit trail: who changed which coding when (newest first)."),
    ("open", ("fieldcode.cli.coding",), "Open the coding screen (the same as running fieldcode with no command)."),
    ("crosstab", ("fieldcode.cli.analysis",), "Cross-tabulate codes against interview groups (by default pair x arm)."),
    ("compare", ("fieldcode.cli.analysis",),
     "Paired comparison: each theme in the focal arm versus its twin, pair by pair, with an exact sign test "
     "across pairs (descriptive) and balance warnings."),
    ("frequencies", ("fieldcode.cli.analysis",),
     "Code frequencies: segments, interviews mentioning each code, coded words and per 1,000."),
    ("cooccurrence", ("fieldcode.cli.analysis",),
     "Code co-occurrence (codes x codes), by overlapping span or by same speaker turn, within each "
     "coder's own codings."),
    ("coverage", ("fieldcode.cli.analysis",),
     "Coding coverage per interview and coder: share of the analysed words coded with any code."),
    ("agreement", ("fieldcode.cli.agreement",),
     "Intercoder agreement per code and overall: observed agreement, positive (specific) agreement, "
     "Cohen's kappa for each pair of coders and Krippendorff's alpha (nominal, any number of coders, "
     "missing data allowed)."),
    ("disagreements", ("fieldcode.cli.agreement",),
     "List the units where two coders differ: for each, the interview, the offsets, the text and each "
     "coder's codes on it (the codes only one of them applied are marked *)."),
    ("review", ("fieldcode.cli.agreement",),
     "Open the review screen: the two coders' disagreements one by one, both coders' codings side by "
     "side on the transcript."),
    ("merge", ("fieldcode.cli.agreement",), "Merge another copy of this project (a coder's own laptop, say) into this one."),
    ("show", ("fieldcode.cli.show",),
     "Print an interview's numbered sentences (or speaker turns) with speaker and text: the numbers that "
     "--sentence N and --turn N take."),
    ("search", ("fieldcode.cli.search",),
     "Find passages across the study, keyword-in-context, with hits counted by pair x arm."),
    ("codebook", ("fieldcode.cli.project",), "Check and show codebook.yaml."),
    ("code", ("fieldcode.cli.coding",),
     "Open the coding screen (fieldcode code [INTERVIEW]), or add, list, change and remove codings."),
    ("export", ("fieldcode.cli.analysis", "fieldcode.cli.exchange", "fieldcode.cli.agreement"),
     "Write counts, coded segments or a quote matrix to files for the write-up."),
    ("codes", ("fieldcode.cli.codes",),
     "Create, rename, recolour, move, merge and re-key codes (codebook.yaml is edited for you)."),
    ("suggest", ("fieldcode.cli.search", "fieldcode.cli.learn"),
     "Propose codings (from a search, codebook keywords or a model trained on your codings) and review "
     "them: nothing becomes a coding until its coder accepts it."),
)
MODULES: dict[str, tuple[str, ...]] = {name: mods for name, mods, _ in COMMANDS}
# every command module, in the order fieldcode.cli imports them (the order of each group's listing)
ALL_MODULES: tuple[str, ...] = ("fieldcode.cli.project", "fieldcode.cli.coding", "fieldcode.cli.analysis",
                                "fieldcode.cli.exchange", "fieldcode.cli.agreement", "fieldcode.cli.codes",
                                "fieldcode.cli.show", "fieldcode.cli.search", "fieldcode.cli.learn")

# the root's options that take a value (``--project DIR``), so the command name is found after them
_VALUE_OPTIONS = ("-C", "--project", "--db", "--coder")


def command_name(args: Sequence[str]) -> str | None:
    """The command a command line runs: its first word that is neither an option nor an option's
    value (None for ``fieldcode``, ``fieldcode --help``, ``fieldcode --coder ana``)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1] if i + 1 < len(args) else None
        if not a.startswith("-") or a == "-":
            return a
        if a in _VALUE_OPTIONS:
            i += 2
            continue
        i += 1  # a flag, --opt=value or -Cvalue
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: build and run only the command named on the command line."""
    import copy

    args = list(sys.argv[1:] if argv is None else argv)
    name = command_name(args)
    for module in MODULES.get(name or "", ()):
        importlib.import_module(module)
    from fieldcode.cli.base import app
    from typer.main import get_command_name

    root = copy.copy(app)  # the shared app keeps every command it has (for fieldcode.cli.app)
    root.registered_commands = [c for c in app.registered_commands
                                if (c.name or get_command_name(c.callback.__name__)) == name]
    root.registered_groups = [g for g in app.registered_groups if g.name == name]
    root(args)
