"""Zip containers read within stated bounds (.qdpx, .docx): every limit is checked on the
archive's directory before anything is unpacked, and again on the bytes actually unpacked.

A zip says how big each member is, but a hostile or damaged one can lie, and a member of a
few kilobytes can unpack to gigabytes (a "zip bomb").  :class:`BoundedZip` therefore

* refuses, before reading any member, an archive larger than ``max_archive`` bytes on disk,
  with more than ``max_entries`` members, a member that declares more than ``max_member``
  bytes, members that together declare more than ``max_total``, a member that would unpack
  to more than ``max_ratio`` times its compressed size (beyond ``RATIO_FLOOR`` bytes),
  encryption, or a compression method other than stored/deflate;
* reads a member in chunks, never more than its declared size (or the caller's smaller
  limit), and refuses it when the bytes unpacked differ from what it declares or from its
  checksum (zipfile itself stops at the declared size without saying that more followed);
  what this object unpacks in total is capped at ``max_total``.

Memory therefore stays within the limits (plus one chunk), whatever the archive claims.
Every limit fieldcode applies to zip containers is defined here, in one place.

Layer: ingest (ground-floor safe: standard library only).  Headless.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
CHUNK = 1 * MB
RATIO_FLOOR = 1 * MB   # members that unpack to less than this are never refused for their ratio


@dataclass(frozen=True)
class ZipLimits:
    max_archive: int     # bytes of the archive on disk
    max_entries: int     # members (folders included)
    max_member: int      # bytes one member unpacks to
    max_total: int       # bytes all members unpack to together
    max_ratio: int       # unpacked / compressed size of one member (above RATIO_FLOOR)


# A REFI-QDA project (.qdpx): one project.qde plus the sources' text files (and media, which
# fieldcode does not read).  Text sources have their own limit, the transcripts' 20 MB
# (fieldcode.ingest.readers.MAX_TEXT_BYTES).
QDPX_LIMITS = ZipLimits(max_archive=200 * MB, max_entries=20_000, max_member=64 * MB, max_total=256 * MB,
                        max_ratio=200)
# The XML of a REFI-QDA project or codebook (project.qde inside a .qdpx, a bare .qde or .qdc).
REFI_MAX_XML_BYTES = 64 * MB
# Codes a REFI-QDA file may bring (every command loads the whole codebook; a few thousand codes
# is already more than any codebook a team can apply consistently).
REFI_MAX_CODES = 2_000
# A Word document (.docx): python-docx holds every part in memory.
DOCX_LIMITS = ZipLimits(max_archive=200 * MB, max_entries=5_000, max_member=64 * MB, max_total=256 * MB,
                        max_ratio=200)


class ZipLimitError(Exception):
    """The archive is over a limit, damaged or encrypted: ``str(err)`` says which member and
    which limit (no path; the caller names the file)."""


def mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


class BoundedZip:
    """A zip archive opened under ``limits`` (checked on its directory here, on the bytes in
    :meth:`read`).  Use as a context manager."""

    def __init__(self, path: Path, limits: ZipLimits, what: str = "archive") -> None:
        self.path = Path(path)
        self.limits = limits
        self.what = what
        self.unpacked = 0
        size = self.path.stat().st_size
        if size > limits.max_archive:
            raise ZipLimitError(f"the {what} is {mb(size)}; the limit is {mb(limits.max_archive)}")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ZipLimitError(f"the {what} is not a zip archive, or a damaged one ({exc})") from None
        try:
            self._check_directory()
        except BaseException:
            self._zip.close()
            raise

    def _check_directory(self) -> None:
        lim, what = self.limits, self.what
        infos = self._zip.infolist()
        if len(infos) > lim.max_entries:
            raise ZipLimitError(f"the {what} has {len(infos):,} members; the limit is {lim.max_entries:,}")
        total = 0
        for zi in infos:
            if zi.flag_bits & 0x1:
                raise ZipLimitError(f"the {what} is encrypted ({zi.filename}): save it without a password")
            if zi.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ZipLimitError(f"{zi.filename}: compression method {zi.compress_type} is not one fieldcode "
                                    "reads (stored or deflate): re-save the file from the program that wrote it")
            if zi.file_size > lim.max_member:
                raise ZipLimitError(f"{zi.filename} unpacks to {mb(zi.file_size)}; the limit for one member is "
                                    f"{mb(lim.max_member)}")
            if zi.file_size > RATIO_FLOOR and zi.file_size > lim.max_ratio * max(zi.compress_size, 1):
                raise ZipLimitError(f"{zi.filename} unpacks to {mb(zi.file_size)} from {zi.compress_size:,} bytes "
                                    f"(more than {lim.max_ratio} times its packed size: a 'zip bomb')")
            total += zi.file_size
        if total > lim.max_total:
            raise ZipLimitError(f"the {what} unpacks to {mb(total)} in all; the limit is {mb(lim.max_total)}")

    def __enter__(self) -> "BoundedZip":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        """Member names (folders left out)."""
        return [n for n in self._zip.namelist() if not n.endswith("/")]

    def size(self, name: str) -> int:
        """The size ``name`` declares (what :meth:`read` will check it against)."""
        return self._zip.getinfo(name).file_size

    def read(self, name: str, limit: int | None = None, limit_text: str = "") -> bytes:
        """The bytes of member ``name``, at most ``limit`` (and the archive's limits).  Refused
        when it declares or unpacks to more, or unpacks to other than it declares."""
        zi = self._zip.getinfo(name)
        cap = min(limit if limit is not None else self.limits.max_member, self.limits.max_member)
        if zi.file_size > cap:
            raise ZipLimitError(f"{name} unpacks to {mb(zi.file_size)}; the limit is {mb(cap)}{limit_text}")
        if self.unpacked + zi.file_size > self.limits.max_total:
            raise ZipLimitError(f"the {self.what} unpacks to more than {mb(self.limits.max_total)} in all")
        parts: list[bytes] = []
        got = 0
        try:
            with self._zip.open(zi) as fh:
                while True:
                    chunk = fh.read(min(CHUNK, cap + 1 - got))
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > cap or got > zi.file_size:
                        raise ZipLimitError(f"{name} unpacks to more than it declares ({zi.file_size:,} bytes)")
                    parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise ZipLimitError(f"{name} is damaged in the {self.what} ({exc})") from None
        if got != zi.file_size:
            raise ZipLimitError(f"{name} unpacks to {got:,} bytes, not the {zi.file_size:,} it declares (damaged)")
        data = b"".join(parts)
        # zipfile stops at the declared size without a word: a member that unpacks to more than
        # it declares is caught by its checksum, which covers all of its bytes
        if zlib.crc32(data) != zi.CRC:
            raise ZipLimitError(f"{name} does not match its checksum: it is damaged, or unpacks to more than the "
                                f"{zi.file_size:,} bytes it declares")
        self.unpacked += got
        return data


def check_archive(path: Path, limits: ZipLimits, what: str = "archive") -> None:
    """Check ``path``'s directory against ``limits`` without unpacking anything."""
    BoundedZip(path, limits, what).close()
