"""Every real export in ../shared/refi/samples imports, and fieldcode holds as many sources,
codes, coded selections and codings as the XML has (counted here from the XML itself with
plain zipfile + lxml, not with fieldcode's reader)."""

from __future__ import annotations

import zipfile

import pytest
from conftest import SHARED
from lxml import etree
from refi_helpers import count, new_study
from sqlalchemy import text as sql

from fieldcode.exchange import refi_import, refi_read
from fieldcode.project import Project

SAMPLES = sorted((SHARED / "refi" / "samples").glob("*.qdpx")) if (SHARED / "refi" / "samples").is_dir() else []


def _local(el) -> str:
    return etree.QName(el).localname


def _xml_counts(path) -> dict[str, int]:
    """Counted the way a reader of the file would: text sources whose text file is in the archive
    and not blank; every Code element; PlainTextSelections with a Coding directly in those
    sources; the Codings in them."""
    with zipfile.ZipFile(path) as z:
        names = {n.lower().rsplit("/", 1)[-1]: n for n in z.namelist()}
        qde = next(n for n in z.namelist() if n.lower().endswith(".qde"))
        root = etree.fromstring(z.read(qde))
        n_src = n_sel = n_cod = 0
        for src in root.iter():
            if _local(src) != "TextSource" or _local(src.getparent()) != "Sources":
                continue
            ref = (src.get("plainTextPath") or "").split("://")[-1].lower().rsplit("/", 1)[-1]
            if ref not in names or not z.read(names[ref]).decode("utf-8-sig").strip():
                continue
            n_src += 1
            for sel in src:
                if _local(sel) == "PlainTextSelection":
                    k = sum(1 for c in sel if _local(c) == "Coding")
                    n_sel += k > 0
                    n_cod += k
    n_codes = sum(1 for el in root.iter() if _local(el) == "Code" and _local(el.getparent()) in ("Codes", "Code"))
    return dict(sources=n_src, codes=n_codes, selections=n_sel, codings=n_cod)


@pytest.mark.skipif(not SAMPLES, reason="../shared/refi/samples is not present")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_real_export_imports_with_equal_counts(path, tmp_path):
    want = _xml_counts(path)
    p = Project.open(new_study(tmp_path / "s"), coder="imp")
    try:
        res = refi_import.import_file(p, refi_read.read(path))
        with p.store.engine.connect() as c:
            spans = c.execute(sql('SELECT count(*) FROM (SELECT DISTINCT interview_id, start, "end" FROM coding) x')).scalar_one()
        got = dict(sources=count(p.store, "interview"), codes=count(p.store, "code"), selections=spans,
                   codings=count(p.store, "coding"))
        assert got == want
        # whatever could not be held is listed, never silently dropped
        xml_sources = sum(1 for el in etree.fromstring(refi_read.read(path).xml).iter("{*}TextSource")
                          if _local(el.getparent()) == "Sources")
        listed = sum(1 for line in res.not_imported if line.startswith("text source"))
        assert want["sources"] + listed == xml_sources
    finally:
        p.close()
