"""The terminal front end (Textual).  The only package in fieldcode that imports textual.

``make_app(project)`` builds the app for the CLI and for the tests alike.

Layer: a front end, below ``fieldcode.cli`` (which opens it) and above everything else.  May
import the domain packages, ``store`` (reads the screens poll), ``study`` and the ground floor.
Screens call those functions and push results down into widgets; widgets never touch the
database and post messages up."""

from __future__ import annotations


def make_app(project, interview: str | int | None = None):  # noqa: ANN001, ANN201
    """The fieldcode app on ``project`` (a :class:`fieldcode.project.Project`), opening
    ``interview`` (name, file stem or id) or the first interview."""
    from fieldcode.tui.app import FieldcodeApp

    return FieldcodeApp(project, interview)


def run_tui(project, interview: str | int | None = None) -> None:  # noqa: ANN001
    make_app(project, interview).run()
