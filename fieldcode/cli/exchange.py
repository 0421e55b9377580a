"""Exchange commands: ``export qdpx``, ``export qdc`` and the REFI-QDA branch of ``import``.
Registered on the shared app (fieldcode.cli.base) when imported (fieldcode.cli.index says
which module when).  Thin: the work is in fieldcode.exchange."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from fieldcode.cli.base import err, export_app, out, state
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls
from fieldcode.lazy import lazy_module

refi_import = lazy_module("fieldcode.exchange.refi_import")  # lxml and the database layer on first use
refi_read = lazy_module("fieldcode.exchange.refi_read")
refi_write = lazy_module("fieldcode.exchange.refi_write")

EXCHANGE_SUFFIXES = (".qdpx", ".qde", ".qdc")
SchemasOpt = Annotated[Optional[Path], typer.Option(
    "--schemas", help="Folder with Project.xsd and Codebook.xsd to validate against (env FIELDCODE_REFI_SCHEMAS).")]


def _schema(folder: Path | None, name: str) -> Path | None:
    folder = folder or (Path(os.environ["FIELDCODE_REFI_SCHEMAS"]) if os.environ.get("FIELDCODE_REFI_SCHEMAS") else None)
    if folder is None:
        return None
    path = Path(folder) / name
    if not path.is_file():
        raise InvalidInput(f"--schemas {folder}: no {name} there")
    return path


def _when(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"--timestamp {value}: not an ISO date-time such as 2026-01-31T12:00:00Z") from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@export_app.command("qdpx")
def export_qdpx(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="The .qdpx file (default: <study>.qdpx in the project folder).")] = None,
    timestamp: Annotated[Optional[str], typer.Option(help="Pin the project's creation/modification time (ISO), for byte-identical exports.")] = None,
    schemas: SchemasOpt = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace every accepted identifying detail (see 'fieldcode pseudonyms') in the sources, names, memos and attributes, every coding moved onto the same words of the pseudonymised source; an anonymisation log (OUTPUT.anonymisation-log.csv: what category was replaced where, never the original) goes beside it. Nothing is written if any member of the archive would still name an accepted original. The stored transcripts are not changed.")] = False,
) -> None:
    """Write the whole study as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder:
    transcripts, codebook, coders, codings (one selection each, the quote in its name), memos and
    attributes (as variables of one case per interview), and the study's interviewer labels and
    turn settings (as project variables named 'fieldcode study: ...').

    Example: fieldcode export qdpx -o results/study.qdpx
    """
    p = state(ctx).project(write=False)
    snap = refi_write.snapshot_of(p.store, p.study.name or p.root.name, p.study)
    pz = None
    if pseudonymise:
        from fieldcode.privacy.exporting import Pseudonymiser

        pz = Pseudonymiser.for_study(p.root).for_command(ctx)
        snap = pz.snapshot(snap)
    data = refi_write.write_qdpx(snap, now=_when(timestamp))
    xsd = _schema(schemas, "Project.xsd")
    if xsd:
        xml, _ = refi_write.project_xml(snap, now=_when(timestamp))
        problems = refi_read.validate(xml, xsd)
        if problems:
            raise InvalidInput("the export does not validate against Project.xsd (nothing written):\n" + "\n".join(problems[:20]))
    from fieldcode.study.codebook import slugify  # ruamel.yaml loads on first use (fast start-up)

    output = output or p.root / f"{slugify(p.study.name or p.root.name)}.qdpx"
    if pz:
        _write(pz.stage(output), data)
        for extra in pz.publish([pz.stage(output)])[1:]:
            out.print(f"wrote {escape(extra)}")
    else:
        _write(output, data)
    out.print(f"wrote {escape(output)}: {len(snap.interviews)} sources, {len(snap.codes)} codes, "
              f"{len(snap.codings)} codings, {len(snap.memos)} memos" + (" (validated)" if xsd else ""))


@export_app.command("qdc")
def export_qdc(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="The .qdc file (default: codebook.qdc in the project folder).")] = None,
    schemas: SchemasOpt = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace every accepted identifying detail (see 'fieldcode pseudonyms') in the code names, definitions and examples (an example often quotes a transcript); an anonymisation log (OUTPUT.anonymisation-log.csv, never the original) goes beside it. Nothing is written if the codebook would still name an accepted original.")] = False,
) -> None:
    """Write the codebook alone as a REFI-QDA codebook (.qdc): hierarchy, colours and
    definitions (use-when, not-when and example ride in the description).

    Example: fieldcode export qdc -o results/codebook.qdc
    """
    p = state(ctx).project(write=False)
    snap = refi_write.snapshot_of(p.store, p.study.name or p.root.name)
    pz = None
    if pseudonymise:
        from fieldcode.privacy.exporting import Pseudonymiser

        pz = Pseudonymiser.for_study(p.root).for_command(ctx)
        snap = pz.codebook(snap)
    data = refi_write.codebook_xml(snap)
    xsd = _schema(schemas, "Codebook.xsd")
    if xsd:
        problems = refi_read.validate(data, xsd)
        if problems:
            raise InvalidInput("the export does not validate against Codebook.xsd (nothing written):\n" + "\n".join(problems[:20]))
    output = output or p.root / "codebook.qdc"
    if pz:
        _write(pz.stage(output), data)
        for extra in pz.publish([pz.stage(output)])[1:]:
            out.print(f"wrote {escape(extra)}")
    else:
        _write(output, data)
    out.print(f"wrote {escape(output)}: {len(snap.codes)} codes" + (" (validated)" if xsd else ""))


def import_exchange(ctx: typer.Context, paths: list[Path], *, counting: str | None, schemas: Path | None = None) -> None:
    """The ``fieldcode import FILE.qdpx|.qde|.qdc`` branch (called from fieldcode.cli)."""
    if len(paths) != 1 or paths[0].suffix.lower() not in EXCHANGE_SUFFIXES:
        raise InvalidInput("import one REFI-QDA file (.qdpx, .qde or .qdc) at a time, without transcripts beside it")
    st = state(ctx)
    p = st.project()
    rf = refi_read.read(paths[0])
    xsd = _schema(schemas, "Codebook.xsd" if rf.kind == "codebook" else "Project.xsd")
    if xsd:
        for line in refi_read.validate(rf.xml, xsd)[:10]:
            err.print(f"[yellow]warning:[/] {escape(str(paths[0]))}: not valid against {escape(xsd.name)}: {escape(line)} (imported leniently)")
    if rf.kind == "codebook":
        res = refi_import.import_codebook(p, rf)
    else:
        res = refi_import.import_file(p, rf, counting=counting, coder=st.coder)
    for line in res.recovered:
        err.print(f"[yellow]note:[/] {escape(line)}")
    out.print(f"{escape(str(res.path))} ({escape(res.origin or 'unknown tool')})")
    if res.fit:
        out.print(f"  {escape(res.fit)}")
    out.print(f"  interviews: {len(res.interviews_new)} new, {len(res.interviews_matched)} matched by text")
    for m in res.interviews_matched:
        out.print(f"    same text: {escape(m)}")
    out.print(f"  codes: {len(res.codes_new)} added to codebook.yaml, {res.codes_matched} matched")
    out.print(f"  codings: {res.codings_added} added, {res.codings_present} already here")
    out.print(f"  memos: {res.memos_added} added, {res.memos_present} already here; attributes set: {res.attributes_set}")
    for line in res.study_set:
        out.print(f"  study setting from the file, written to codebook.yaml: {escape(line)}")
    for w in res.warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if res.not_imported:
        err.print("[yellow]not imported[/] (fieldcode cannot hold these):")
        for line in res.not_imported:
            err.print(f"  {escape(line)}")
    out.print("done: " + ("imported" if res.changed else "nothing new (everything in the file is already here)"))
