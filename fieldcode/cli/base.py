"""What every command module shares: the one Typer app (and its ``codebook`` and ``code``
groups), the two consoles, and the per-invocation ``State`` that opens the project on first
use.  Command modules (``cli``, ``cli_analysis``, ``cli_agreement`` ...) import from here and
never from each other's entry points, so the CLI has no import cycle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from typer.core import TyperGroup

from fieldcode import __version__
from fieldcode.cli.console import err, out  # the two consoles; command modules import them from here
from fieldcode.errors import FieldcodeError, InvalidInput
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

if TYPE_CHECKING:  # the database layer loads on first use: --help and light commands start fast
    from fieldcode.project import Project


class _RootGroup(TyperGroup):
    """Turns fieldcode's own errors into one clear message and a non-zero exit status, for the
    console script and for CliRunner alike, and records the command line for export sidecars."""

    def main(self, args=None, *a, **kw):  # noqa: ANN001
        from fieldcode.runinfo import set_command_line

        set_command_line(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def list_commands(self, ctx) -> list[str]:  # noqa: ANN001
        """Every command, loaded or not (the console script builds only the one it runs)."""
        from fieldcode.cli.table import COMMANDS

        return [name for name, _, _ in COMMANDS]

    def format_commands(self, ctx, formatter) -> None:  # noqa: ANN001
        """The help listing, from the command table: no command is built to list it."""
        from typer.core import TyperCommand

        from fieldcode.cli.table import COMMANDS

        limit = formatter.width - 6 - max(len(name) for name, _, _ in COMMANDS)
        rows = [(name, TyperCommand(name, help=first).get_short_help_str(limit)) for name, _, first in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):  # noqa: ANN001
        try:
            return super().invoke(ctx)
        except FieldcodeError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_RootGroup,
    help="fieldcode: code interview transcripts in the terminal and compare matched pairs.",
    no_args_is_help=False, add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
codebook_app = typer.Typer(help="Check and show codebook.yaml.", no_args_is_help=True)


class _CodeGroup(TyperGroup):
    """``fieldcode code INTERVIEW`` opens the coding screen on INTERVIEW, while
    ``fieldcode code add|list|...`` are the scriptable coding commands."""

    def resolve_command(self, ctx, args):  # noqa: ANN001
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "open", self.commands["open"], args
        return super().resolve_command(ctx, args)


code_app = typer.Typer(
    cls=_CodeGroup, invoke_without_command=True,
    help="Open the coding screen (fieldcode code [INTERVIEW]), or add, list, change and remove codings.",
)
export_app = typer.Typer(help="Write counts, coded segments or a quote matrix to files for the write-up.",
                         no_args_is_help=True)
codes_app = typer.Typer(help="Create, rename, recolour, move, merge, split and re-key codes (codebook.yaml is edited for you).",
                        no_args_is_help=True)
suggest_app = typer.Typer(help="Propose codings (from a search, codebook keywords or a model trained on your "
                               "codings) and review them: nothing becomes a coding until its coder accepts it.",
                          no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(code_app, name="code")
app.add_typer(export_app, name="export")
app.add_typer(codes_app, name="codes")
app.add_typer(suggest_app, name="suggest")


class State:
    def __init__(self, project: Path | None, db: str | None, coder: str | None) -> None:
        self.project_dir, self.db, self.coder = project, db, coder
        self._project: Project | None = None

    def project(self, *, write: bool = True) -> Project:
        """The project; ``write=False`` for commands that only read (they never take the
        database's write lock, and leave a changed codebook.yaml to be recorded by a writer)."""
        if self._project is None:
            from fieldcode.project import Project

            self._project = Project.open(self.project_dir, db=self.db, coder=self.coder, write=write)
            from fieldcode.cli.blind_gate import guard   # a blind coder: refused, or shown masked output

            guard(self._project, getattr(self, "ctx", None))
            report_sync(self._project)
        return self._project


def report_sync(p: Project) -> None:
    for line in p.recovered:
        err.print(f"[yellow]note:[/] {escape(line)}")
    s = p.sync
    for key, old, new in s.renamed:
        err.print(f"codebook: '{escape(key)}' renamed from '{escape(old)}' to '{escape(new)}' (its codings are kept)")
    if s.retired:
        err.print(f"codebook: retired {escape(', '.join(s.retired))} (no longer in codebook.yaml; their codings are kept)")
    if s.restored:
        err.print(f"codebook: restored {escape(', '.join(s.restored))}")
    if s.pending:
        err.print("[yellow]warning:[/] codebook.yaml has changed since the database recorded it; this command "
                  "only reads, so it shows the codes as last recorded. 'fieldcode codebook sync' (or any "
                  "command that writes) records the change.")
    for line in p.turn_setting_changes:
        err.print(f"turn settings changed in the files of {escape(line)}: stored for this interview")
    for line in p.turn_setting_notes:
        err.print(f"[yellow]warning:[/] {escape(line)}")
    report_remarked(p)
    if p.remark_pending:
        err.print(f"note: the stored turn marks of {escape(p.remark_pending)} are out of date (turn settings or "
                  "interviewer labels changed); this command only reads, so it uses the marks the current settings "
                  "give, and the next command that writes stores them")
    if p.remark_error:
        err.print(f"[yellow]warning:[/] the turn settings or interviewer labels changed but the turns could not be "
                  f"marked again ({escape(p.remark_error)}); the counts below use the turns as marked before")


def report_remarked(p: Project) -> None:
    """Say which interviews' turns a write re-marked (``Project.remarked``), once."""
    if p.remarked:
        shown = sorted(p.remarked.items())
        names = ", ".join(f"{escape(k)} ({escape(v)})" for k, v in shown[:6]) + \
            (f" and {len(shown) - 6} more" if len(shown) > 6 else "")
        err.print(f"re-marked turns of {len(p.remarked)} interview(s): {names}: the turn settings or interviewer "
                  "labels changed; counts that leave out interviewer turns follow them (corrections kept)")
        p.remarked = {}


def split_list(s: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; None or nothing -> None."""
    if s is None:
        return None
    items = [x.strip() for x in s.split(",") if x.strip()]
    return items or None


def parse_filters(role: list[str] | None, where: list[str] | None) -> dict[str, list[str]]:
    """``--role`` and ``--where ATTR=VALUE`` options as attribute -> allowed values."""
    f: dict[str, list[str]] = {}
    if role:
        f["role"] = list(role)
    for w in where or []:
        name, sep, value = w.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--where takes ATTRIBUTE=VALUE, e.g. --where pair=Leeds; got '{w}'")
        f.setdefault(name.strip(), []).append(value.strip())
    return f


def state(ctx: typer.Context) -> State:
    st = ctx.find_root().obj
    st.ctx = ctx          # the command running (the blind gate reads its name and options)
    return st


# --- the root: global options, and the coding screen when no command is given -------------

def _version(value: bool) -> None:
    if value:
        out.print(f"fieldcode {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    project: Annotated[Optional[Path], typer.Option("--project", "-C", help="Project folder (default: found from the current folder upwards).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db (env FIELDCODE_DB).")] = None,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Who is coding (env FIELDCODE_CODER, or 'coder' in settings).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Without a command: open the coding screen."""
    ctx.obj = State(project, db, coder)
    ctx.obj.ctx = ctx     # the blind gate (fieldcode.cli.blind) reads the command running from it
    if ctx.invoked_subcommand is None:
        open_main(ctx.obj, None)


def open_main(state: State, interview: str | None) -> None:
    """Open the coding screen (or, without Textual, print the project summary)."""
    try:
        from fieldcode.tui import run_tui  # noqa: PLC0415 - the TUI is optional at import time
    except ImportError:
        from fieldcode.cli.summary import print_summary

        print_summary(state.project())
        return
    p = state.project()
    p.require_coder()
    run_tui(p, interview)
