"""Pseudonymised exports (``--pseudonymise``): every export that carries text names no one.

One :class:`Pseudonymiser` per export, built from the study's key (its accepted entries):

* each interview's text is pseudonymised once (:meth:`Pseudonymiser.transcript`); a coding's or
  a memo's offsets move through its :class:`~fieldcode.privacy.replace.OffsetMap`, and its quote
  is the pseudonymised text between the new offsets, so every coding stays on the same words;
* every other text that reaches the output (memos, speakers, attribute values, names of
  interviews, codes and coders, the sidecar's strings) goes through the same replacement;
* every replacement is logged (interview, item, field, category, pseudonym, offsets in the
  OUTPUT text: the pseudonymised transcript for quotes and sources, the field's own text
  otherwise), never the original;
* the files are written to a staging folder beside the output; :meth:`Pseudonymiser.publish`
  runs the leak check over each whole file (every member of a zip, XML decoded; CSV cells as
  parsed) and moves them into place only when none names an accepted original.  On a leak
  nothing is written and :class:`~fieldcode.privacy.replace.LeakFound` names the file, the
  categories and how many, never a detail.

The stored transcripts and the database are only read.  Layer: ``privacy`` may import
``analysis`` and ``store``; the exporters of ``exchange`` are reached through the CLI, which hands
this module their rows (a REFI-QDA snapshot is rewritten by duck typing, see :meth:`snapshot`).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from fieldcode.errors import InvalidInput
from fieldcode.privacy import key as keymod
from fieldcode.privacy import replace
from fieldcode.privacy.replace import LeakFound, Pseudonymised

LOG_SUFFIX = ".anonymisation-log.csv"
LOG_COLUMNS = ("interview", "item", "field", "category", "pseudonym", "start", "end", "offsets_in")
IN_TRANSCRIPT = "pseudonymised transcript"
IN_FIELD = "field"
_SEP = "\x00"   # between the pieces of a parsed file: no detail matches across it


def log_path(output: Path) -> Path:
    """Where the anonymisation log of ``output`` goes: beside it, ``<output>.anonymisation-log.csv``."""
    return Path(output).with_name(Path(output).name + LOG_SUFFIX)


class Pseudonymiser:
    """The accepted details of one study's key, applied to one export, with its log."""

    def __init__(self, key: keymod.Key) -> None:
        self.key = key
        self.decisions = key.accepted()
        if not self.decisions:
            raise InvalidInput(f"--pseudonymise: the pseudonym key {key.path} has no accepted detail, so nothing "
                               "would be replaced: run 'fieldcode pseudonyms scan', review the queue with "
                               "'fieldcode pseudonyms list' and accept the details to replace "
                               "('fieldcode pseudonyms accept ID'), then export again")
        self.log: list[list] = []
        self._texts: dict[int, Pseudonymised] = {}
        self._strings: dict[str, Pseudonymised] = {}
        self._categories: dict[str, str] = {}
        self._stage: Path | None = None
        self._final_dir: Path | None = None

    @classmethod
    def for_study(cls, root: Path) -> Pseudonymiser:
        """The pseudonymiser of the study in ``root`` (its ``pseudonyms.key.yaml``)."""
        try:
            key = keymod.load(Path(root))
        except InvalidInput as exc:
            raise InvalidInput(f"--pseudonymise: {exc}; then accept the details to replace "
                               "('fieldcode pseudonyms accept ID')") from None
        return cls(key)

    # --- replacing ------------------------------------------------------------------------------

    def category(self, original: str) -> str:
        if original not in self._categories:
            self._categories[original] = self.key.category_of(original)
        return self._categories[original]

    def _pseudo(self, value: str) -> Pseudonymised:
        got = self._strings.get(value)
        if got is None:
            got = replace.pseudonymise(value, self.decisions)
            self._strings[value] = got
        return got

    def _log_spans(self, spans: Iterable[tuple[int, int, int, int]], originals: Sequence[tuple[int, int, str]],
                   *, interview: str, item: str, field: str, where: str, lo: int = 0, hi: int | None = None) -> None:
        for (_os, _oe, ns, ne), (_s, _e, orig) in zip(spans, originals):
            if lo <= ns and (hi is None or ne <= hi):
                self.log.append([self.string(interview), self.string(item), self.string(field), self.category(orig),
                                 self.decisions[orig], ns, ne, where])

    def field(self, value, *, interview: str = "", item: str = "", field: str = ""):  # noqa: ANN001, ANN201
        """``value`` (a text; anything else is returned as it is) with every accepted detail
        replaced, each replacement logged with its offsets in the new value."""
        if not isinstance(value, str) or not value:
            return value
        p = self._pseudo(value)
        if p.replaced:
            self._log_spans(p.offsets.spans, p.replaced, interview=interview, item=item, field=field, where=IN_FIELD)
        return p.text

    def string(self, value):  # noqa: ANN001, ANN201
        """``value`` pseudonymised without a log line (for text the log already covers)."""
        return self._pseudo(value).text if isinstance(value, str) and value else value

    def transcript(self, interview_id: int, text: str) -> Pseudonymised:
        """The interview's text pseudonymised (once per export) and its offset map."""
        got = self._texts.get(interview_id)
        if got is None:
            got = replace.pseudonymise(text, self.decisions)
            self._texts[interview_id] = got
        return got

    def passage(self, interview_id: int, text: str, start: int, end: int, *, interview: str, item: str,
                field: str) -> tuple[int, int, str]:
        """A coding's or memo's ``start``, ``end`` on the pseudonymised transcript and the quote
        there; the replacements inside it are logged (offsets in the pseudonymised transcript)."""
        p = self.transcript(interview_id, text)
        ns, ne = p.offsets.span(start, end)
        self._log_spans(p.offsets.spans, p.replaced, interview=interview, item=item, field=field,
                        where=IN_TRANSCRIPT, lo=ns, hi=ne)
        return ns, ne, p.text[ns:ne]

    # --- what each export hands over ---------------------------------------------------------------

    def segments(self, store, segs: Sequence) -> list:  # noqa: ANN001
        """Coded segments (``fieldcode.analysis.Segment``) on the pseudonymised transcripts."""
        from fieldcode.store import q_texts

        texts = q_texts(store, sorted({s.interview_id for s in segs}))
        out = []
        for s in segs:
            iv = self.string(s.interview)
            item = f"coding {s.coding_id}"
            ns, ne, quote = self.passage(s.interview_id, texts[s.interview_id], s.start, s.end,
                                         interview=iv, item=item, field="text")
            ptext = self.transcript(s.interview_id, texts[s.interview_id]).text
            out.append(dataclasses.replace(
                s, interview=self.field(s.interview, interview=iv, item=item, field="interview"),
                attributes={k: self.field(v, interview=iv, item=item, field=k) for k, v in s.attributes.items()},
                code_key=self.field(s.code_key, interview=iv, item=item, field="code_key"),
                code_name=self.field(s.code_name, interview=iv, item=item, field="code_name"),
                code_path=self.field(s.code_path, interview=iv, item=item, field="code_path"),
                coder=self.field(s.coder, interview=iv, item=item, field="coder"),
                speaker=self.field(s.speaker, interview=iv, item=item, field="speaker"),
                start=ns, end=ne, text=quote,
                memo=self.field(s.memo, interview=iv, item=item, field="memo"),
                context_before=ptext[max(0, ns - len(s.context_before)):ns],
                context_after=ptext[ne:ne + len(s.context_after)]))
        return out

    def memos(self, store, memos: Sequence) -> list:  # noqa: ANN001
        """Memos (``fieldcode.store.MemoInfo``): texts replaced, a passage's offsets and quote
        on the pseudonymised transcript."""
        from fieldcode.store import q_texts

        texts = q_texts(store, sorted({m.interview_id for m in memos if m.interview_id is not None}))
        out = []
        for m in memos:
            iv = self.string(m.interview or "")
            item = f"memo {m.uid}"
            changes = {}
            if m.interview_id is not None and m.start is not None and m.end is not None:
                ns, ne, quote = self.passage(m.interview_id, texts[m.interview_id], m.start, m.end,
                                             interview=iv, item=item, field="quoted_text")
                changes.update(start=ns, end=ne, quote=quote)
            for f in ("author", "interview", "code_key", "code_name", "text"):
                changes[f] = self.field(getattr(m, f), interview=iv, item=item, field=f)
            out.append(dataclasses.replace(m, **changes))
        return out

    def attributes(self, attrs: dict[int, dict[str, str]]) -> dict[int, dict[str, str]]:
        return {i: {k: self.field(v, item=f"interview {i}", field=k) for k, v in a.items()} for i, a in attrs.items()}

    def snapshot(self, snap):  # noqa: ANN001, ANN201
        """A REFI-QDA ``Snapshot`` (fieldcode.exchange.refi_write) on pseudonymised sources:
        each source's text replaced, every coding's and passage memo's positions moved onto it,
        every other text replaced."""
        ivs = []
        names: dict[int, str] = {}
        for i in snap.interviews:
            iv = self.string(i["name"])
            names[i["id"]] = iv
            p = self.transcript(i["id"], i["text"])
            self._log_spans(p.offsets.spans, p.replaced, interview=iv, item="source", field="text", where=IN_TRANSCRIPT)
            row = self._row(i, interview=iv, item="interview", skip=("text",))
            row["text"] = p.text
            row["attributes"] = {k: self.field(v, interview=iv, item="interview", field=k)
                                 for k, v in i["attributes"].items()}
            ivs.append(row)

        def moved(r: dict, what: str) -> dict:
            iid = r.get("interview_id")
            iv = names.get(iid, "")
            row = self._row(r, interview=iv, item=f"{what} {r.get('uid', '')}")
            if iid in self._texts and r.get("start") is not None and r.get("end") is not None:
                row["start"], row["end"] = self._texts[iid].offsets.span(r["start"], r["end"])
            return row

        return dataclasses.replace(
            snap, name=self.field(snap.name, item="project", field="name"), interviews=ivs,
            codes=[self._row(c, item=f"code {c.get('key', '')}") for c in snap.codes],
            codings=[moved(c, "coding") for c in snap.codings], memos=[moved(m, "memo") for m in snap.memos],
            study={k: self.field(v, item="study", field=k) for k, v in snap.study.items()},
            summaries=[self._row(m, interview=names.get(m["interview_id"], ""), item=f"summary {m['uid']}")
                       for m in snap.summaries])

    def codebook(self, snap):  # noqa: ANN001, ANN201
        """A REFI-QDA ``Snapshot`` for a codebook (``.qdc``): every text of every code replaced
        (names, definitions, use-when, not-when and the example, which often quotes a transcript
        and can name a person or a street) and the project's name."""
        return dataclasses.replace(snap, name=self.field(snap.name, item="project", field="name"),
                                   codes=[self._row(c, item=f"code {c.get('key', '')}") for c in snap.codes])

    def _row(self, row: dict, *, interview: str = "", item: str = "", skip: Sequence[str] = ()) -> dict:
        return {k: (v if k in skip or k == "uid" else self.field(v, interview=interview, item=item, field=k))
                for k, v in row.items()}

    def sidecar(self, data):  # noqa: ANN001, ANN201
        """A sidecar's JSON data with every string replaced (interview names, the study's name...)."""
        if isinstance(data, dict):
            return {self.string(k): self.sidecar(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.sidecar(v) for v in data]
        return self.field(data, item="sidecar") if isinstance(data, str) else data

    # --- writing: staged, checked, then moved into place -----------------------------------------

    def stage(self, output: Path) -> Path:
        """Where to write ``output`` until :meth:`publish`: a staging folder beside it, the same
        file name (every file of one export goes in the output's folder, as they would)."""
        output = Path(output)
        if self._stage is None:
            output.parent.mkdir(parents=True, exist_ok=True)
            self._stage = Path(tempfile.mkdtemp(prefix=".fieldcode-pseudonymising-", dir=output.parent))
            self._final_dir = output.parent
        return self._stage / output.name

    def for_command(self, ctx) -> Pseudonymiser:  # noqa: ANN001
        """Remove the staging folder when the command (a click/typer context) ends, however."""
        ctx.call_on_close(self.cleanup)
        return self

    def cleanup(self) -> None:
        """Remove the staging folder and whatever is still in it (also after a failure)."""
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    def publish(self, staged: Sequence[Path | None], *, cells: bool = False) -> list[Path]:
        """Check each staged file (``None`` entries are skipped) and move them all into place;
        the anonymisation log goes beside the first.  A sidecar (``.json``) gets its strings
        replaced and a ``pseudonymisation`` section first; with ``cells``, so does every cell of
        each CSV (a table without quotes: counts, comparison).  On a leak in any file nothing is
        moved, the staging folder is removed and :class:`LeakFound` is raised."""
        files = [Path(s) for s in staged if s is not None]
        try:
            first = self._final(files[0])
            log = self.stage(log_path(first))
            for f in files:
                if f.suffix == ".json":
                    self._rewrite_sidecar(f, log_path(first).name)
                elif cells and f.suffix == ".csv":
                    self._rewrite_cells(f)
            _write_log(log, self.log)
            files.append(log)
            for f in files:
                self._check(f, self._final(f))
            finals = []
            for f in files:
                os.replace(f, self._final(f))
                finals.append(self._final(f))
            return finals
        finally:
            self.cleanup()

    def _final(self, staged: Path) -> Path:
        if self._stage is None or staged.parent != self._stage:
            raise ValueError(f"{staged} was not staged by this export")
        return self._final_dir / staged.name

    def _rewrite_cells(self, path: Path) -> None:
        from fieldcode.analysis.export import csv_text, exact_csv, write_text

        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        if not rows:
            return
        head = rows[0]
        new = [[self.field(c, item=f"row {i}", field=head[j] if j < len(head) else str(j)) for j, c in enumerate(r)]
               for i, r in enumerate(rows)]
        with exact_csv(True):   # the cells were neutralised (or not) when first written
            write_text(path, csv_text(new[0], new[1:]))

    def _rewrite_sidecar(self, path: Path, log_name: str) -> None:
        data = self.sidecar(json.loads(path.read_text(encoding="utf-8")))
        cats = Counter(r[3] for r in self.log)
        data["pseudonymisation"] = {
            "pseudonymised": True,
            "accepted_details": len(self.decisions),
            "replacements": sum(cats.values()),
            "replacements_by_category": dict(sorted(cats.items())),
            "log": log_name,
            "leak_check": "every file of this export was searched for every accepted original (case- and "
                          "accent-insensitive, across line breaks, whole words) before it was written",
            "stored_transcripts": "unchanged: only this export's copy is pseudonymised",
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def _check(self, path: Path, final: Path) -> None:
        originals = list(self.decisions)
        found: set[str] = set()
        for text in output_texts(path):
            found.update(replace.leaks(text, originals))
        if found:
            cats = Counter(self.category(o) for o in found)
            what = ", ".join(f"{c}: {n}" for c, n in sorted(cats.items()))
            raise LeakFound(f"{final} was not written (nor any other file of this export): it still names "
                            f"{len(found)} accepted identifying detail(s) after pseudonymisation ({what}). "
                            "'fieldcode pseudonyms list --state accepted' shows the details; a detail spelled "
                            "differently in a memo or a name needs its own entry ('fieldcode pseudonyms add'); "
                            "otherwise report this as a bug with the export you ran")


def output_texts(path: Path) -> list[str]:
    """Every text a file carries, for the leak check: the file decoded; for a zip (``.xlsx``,
    ``.qdpx``) each member decoded; for XML its text and attribute values, entities resolved
    (the raw text when it does not parse); for CSV also its cells as parsed."""
    data = Path(path).read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        out: list[str] = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                out.extend(_texts_of(name, z.read(name)))
        return out
    return _texts_of(Path(path).name, data)


def _texts_of(name: str, data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    out = [text]
    if text.lstrip().startswith("<"):
        with contextlib.suppress(Exception):
            from lxml import etree

            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
            pieces = []
            for el in root.iter():
                pieces.extend(str(v) for v in el.attrib.values())
                if isinstance(el.text, str):
                    pieces.append(el.text)
                if isinstance(el.tail, str):
                    pieces.append(el.tail)
            return [_SEP.join(pieces)]   # every text and attribute value, entities resolved: the raw markup adds none
    elif name.endswith(".csv"):
        with contextlib.suppress(csv.Error):
            out.append(_SEP.join(c for row in csv.reader(io.StringIO(text)) for c in row))
    return out


def _write_log(path: Path, rows: list[list]) -> None:
    from fieldcode.analysis.export import csv_text, write_text

    write_text(path, csv_text(LOG_COLUMNS, rows))
