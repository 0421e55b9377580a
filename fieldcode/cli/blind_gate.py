"""The gate every command passes for a blind coder (``fieldcode.protocol.blinding``).

:func:`guard` is called by ``State.project`` when a command first opens the project: a blind
coder may run only the coding commands (:data:`BLIND_ALLOWED`); any other command is refused
with the reason and who opens it.  For the commands they may run, everything the two consoles
print (results, notes, error messages, file names) passes through the coder's
``Blinder.mask_output``: interview names become their neutral labels and the values of the
hidden attributes and the blind terms are masked.  The coding commands also show only the
coder's own codings and history (``--by`` must name themself).  Kept apart from
``fieldcode.cli.blind`` (the commands), which imports the shared app: ``cli.base`` imports this."""

from __future__ import annotations

import sys

import click

from fieldcode.cli.console import err, out
from fieldcode.errors import FieldcodeError

# What a blind coder may run: the coding commands (top-level names; every subcommand of a group).
BLIND_ALLOWED = frozenset({
    "init", "settings", "import", "undo", "redo", "log", "open", "show", "codebook", "code", "codes", "turns",
    "handin", "reopen", "next", "blind", "recheck",
})
# Commands a blind coder may run only on their own codings: the option naming the coder.
OWN_ONLY = {("code", "list"): "by", ("log",): "by"}


class BlindRefused(FieldcodeError):
    exit_code = 6


class _Masked:
    """A text stream that masks what a blind coder must not see before it reaches the real one
    (looked up at each write, so a test runner's swapped ``sys.stdout`` is honoured)."""

    def __init__(self, which: str, blinder) -> None:  # noqa: ANN001
        self.which, self.blinder = which, blinder

    @property
    def _real(self):  # noqa: ANN202
        return getattr(sys, self.which)

    def write(self, s: str) -> int:
        self._real.write(self.blinder.mask_output(s))
        return len(s)

    def flush(self) -> None:
        self._real.flush()

    def isatty(self) -> bool:
        return self._real.isatty()

    def fileno(self) -> int:
        return self._real.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._real, "encoding", "utf-8")


def guard(project, ctx: click.Context | None = None) -> None:
    """Refuse what a blind coder may not run; mask what they may (see the module docstring)."""
    b = project.blinder
    if b is None:
        return
    from fieldcode.protocol.blinding import refusal

    ctx = ctx or click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    # the command running: the root's subcommand (every command module opens the project
    # through the root's State, whether or not it passed its own context on)
    name = (root.invoked_subcommand if root is not None else None) or "open"
    if name not in BLIND_ALLOWED:
        raise BlindRefused(refusal(project, f"'fieldcode {name}'"))
    words = ctx.command_path.split()[1:] if ctx is not None and ctx is not root else [name]
    own = OWN_ONLY.get(tuple(words[:2])) or OWN_ONLY.get(tuple(words[:1]))
    if own and (ctx is None or ctx.params.get(own) != project.coder):
        raise BlindRefused(f"while the study is blind you see only your own codings and changes: add "
                           f"--{own} {project.coder}")
    # rich's Console keeps no file of its own (None: the sys.stdout / sys.stderr of the moment);
    # put back exactly that afterwards, not the stream of this moment
    saved = [(c, vars(c).get("_file")) for c in (out, err)]
    out.file, err.file = _Masked("stdout", b), _Masked("stderr", b)
    if root is not None:
        def restore() -> None:
            for c, f in saved:
                c.file = f
        root.call_on_close(restore)
