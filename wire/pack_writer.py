"""Writing a USB pack (:mod:`wire.pack`): the county server's export and a PC's peer copy.

A pack is written in this order, so a stick pulled out at any moment holds nothing that
looks complete but is not:

1. :meth:`PackWriter.open` creates the folder, or checks the pack already there is this
   county's and of a format this code writes (it is then topped up, never started again).
2. Each course's blobs (:meth:`PackWriter.add_blob`), copied to a temporary name inside the
   pack, hashed while copying, fsynced, then renamed to ``blobs/ab/<sha256>``. A blob already
   there with the right size is skipped; with ``verify`` it is hashed first, and replaced if
   its bytes are wrong (a size check alone cannot see a same-size corruption).
3. The course's document and signature (:meth:`PackWriter.add_course`), only once all its blobs
   are in. A course the stick holds at a higher version is left alone.
4. :meth:`PackWriter.finish` rebuilds ``lamplight-pack.json`` from every valid course document
   in ``courses/`` (old and new alike), writes it atomically, and fsyncs the folders written
   to, so the stick can be pulled out once it returns.

:func:`wire.pack_courses.write_courses` runs steps 2-4 for a list of signed courses, with
progress; both sides call it. One writer per pack at a time: opening a pack removes the
temporary files a cut-off earlier write left behind.

Errors::

    wire.pack.PackError        the folder holds another county's pack (OTHER_COUNTY), a newer
                               Lamplight's (NEWER_FORMAT), or other files (NOT_A_PACK); a
                               course cannot be added (MISSING_BLOB, OTHER_COUNTY, MALFORMED)
    wire.blobs.BlobMismatch    a source file is not the blob it should be (hash or size)
    PackWriteError             the pack cannot be written: read-only, pulled out, file too big
     └── PackFull              the stick is full (also a wire.blobs.DiskFull)
    OSError                    a source file cannot be read

A failed blob copy leaves no file under a blob's name; the index written before stays valid.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol

from wire.blobs import BlobMismatch, DiskFull, fsync_dir
from wire.course import ID_PATTERN
from wire.pack import (
    BLOBS_DIR,
    BUNDLES_DIR,
    COURSES_DIR,
    INDEX_FILE,
    PACK_FORMAT,
    CourseContent,
    CourseDocument,
    IndexAsset,
    IndexCourse,
    PackError,
    PackIndex,
    Problem,
    SignatureFile,
    blob_relpath,
    course_relpath,
    load_model,
    pack_path,
    read_course,
    read_index,
)

#: Temporary files of a write in progress (same filesystem, so renames are atomic).
PARTIAL_DIR = ".partial"
#: Copy buffer: big reads keep a USB stick streaming.
CHUNK = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COURSE_ID = re.compile(ID_PATTERN)
_PACK_NAMES = frozenset({INDEX_FILE, COURSES_DIR, BLOBS_DIR, BUNDLES_DIR, PARTIAL_DIR})


class PackWriteError(Exception):
    """The pack cannot be written (read-only, pulled out, a file too big for the stick)."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class PackFull(PackWriteError, DiskFull):
    """No space left on the stick; the blob being copied was removed."""

    def __init__(self, message: str, *, path: Path | None = None, needed: int = 0) -> None:
        super().__init__(message, path=path)
        self.needed = needed


class AddResult(StrEnum):
    """What :meth:`PackWriter.add_course` did."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"  # the same document and signature were already there
    KEPT_NEWER = "kept_newer"  # the stick holds a higher version; it was kept


class Asset(Protocol):
    """An asset reference: :class:`wire.api.AssetRef` or :class:`wire.pack.IndexAsset`."""

    @property
    def sha256(self) -> str: ...

    @property
    def size(self) -> int: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def _disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


@dataclass
class PackWriter:
    """An open pack being written; see the module docstring. Make one with :meth:`open`."""

    root: Path
    county: str
    written_by: str = ""
    verify: bool = False
    chunk_size: int = CHUNK
    clock: Callable[[], datetime] = utc_now
    created: datetime | None = None
    #: Course documents on the stick that are not usable (name -> why); left as they are.
    skipped: dict[str, str] = field(default_factory=dict)
    _versions: dict[str, int] = field(default_factory=dict)
    _good: set[str] = field(default_factory=set)  # blobs copied or verified this time
    _dirty: set[Path] = field(default_factory=set)  # folders to fsync at finish

    @classmethod
    def open(
        cls,
        root: Path,
        county: str,
        *,
        written_by: str = "",
        verify: bool = False,
        chunk_size: int = CHUNK,
        clock: Callable[[], datetime] = utc_now,
    ) -> PackWriter:
        """Opens the pack at ``root`` for writing, creating the folder if needed.

        Args:
            county: the county code every course of this pack belongs to.
            written_by: who writes (shown by the import window).
            verify: hash blobs already on the stick instead of trusting their size.

        Raises:
            PackError: ``OTHER_COUNTY``, ``NEWER_FORMAT``, ``NOT_A_PACK`` (the folder holds
                other files), ``READ_FAILED``.
            PackWriteError: the folder cannot be created.
        """
        writer = cls(root, county, written_by, verify, chunk_size, clock)
        if root.exists() and not root.is_dir():
            raise PackError(Problem.NOT_A_PACK, f"{root} is a file, not a folder")
        writer._call(partial(root.mkdir, parents=True, exist_ok=True), root)
        writer._check_existing()
        for name in (COURSES_DIR, BLOBS_DIR):
            folder = root / name
            writer._call(partial(folder.mkdir, exist_ok=True), folder)
        leftovers = root / PARTIAL_DIR
        if leftovers.is_dir():
            shutil.rmtree(leftovers, ignore_errors=True)  # a cut-off earlier write's files
        writer._call(partial(leftovers.mkdir, exist_ok=True), leftovers)
        writer._versions = {cid: doc.course.version for cid, doc in writer._documents().items()}
        return writer

    def _check_existing(self) -> None:
        try:
            index = read_index(self.root)
        except PackError as exc:
            if exc.problem in (Problem.NEWER_FORMAT, Problem.READ_FAILED):
                raise
            if exc.problem == Problem.NOT_A_PACK:
                others = sorted(p.name for p in self.root.iterdir() if p.name not in _PACK_NAMES)
                if others:
                    raise PackError(
                        Problem.NOT_A_PACK,
                        f"{self.root} holds other files ({', '.join(others[:3])}); choose an "
                        f"empty folder or a Lamplight pack, e.g. {self.root / 'lamplight'}",
                    ) from None
            else:
                # A damaged index is rebuilt by finish(); the documents are what counts.
                self.skipped[INDEX_FILE] = exc.detail
            foreign = {d.county for d in self._documents().values()} - {self.county}
            if foreign:
                raise PackError(
                    Problem.OTHER_COUNTY,
                    f"{self.root} holds courses of county {sorted(foreign)[0]!r}, "
                    f"not {self.county!r}; use another folder",
                ) from None
            return
        if index.county != self.county:
            raise PackError(
                Problem.OTHER_COUNTY,
                f"{self.root} holds a pack of county {index.county!r}, not {self.county!r}; "
                "use another folder",
            )
        self.created = index.created

    # --- planning ---------------------------------------------------------------------------

    def existing_version(self, course_id: str) -> int | None:
        """The version of ``course_id`` the stick holds (a valid document), or ``None``."""
        return self._versions.get(course_id)

    def missing(self, assets: Iterable[Asset]) -> list[Asset]:
        """The distinct ``assets`` that :meth:`add_blob` would copy (with ``verify``, blobs
        already on the stick are hashed here, once)."""
        seen: set[str] = set()
        out: list[Asset] = []
        for asset in assets:
            if asset.sha256 in seen:
                continue
            seen.add(asset.sha256)
            if not self._has_blob(asset.sha256, asset.size):
                out.append(asset)
        return out

    def missing_bytes(self, assets: Iterable[Asset]) -> int:
        """How many bytes :meth:`add_blob` would copy for ``assets``: the progress total."""
        return sum(asset.size for asset in self.missing(assets))

    def check_space(self, needed: int) -> None:
        """Refuses, before anything is copied, when the stick clearly cannot hold ``needed``
        more bytes (a full stick is still caught while copying: filesystems round up).

        Raises:
            PackFull: with ``needed`` and the free space in the message.
        """
        try:
            free = shutil.disk_usage(self.root).free
        except OSError:
            return
        if needed > free:
            raise PackFull(
                f"the stick at {self.root} has {megabytes(free)} free; "
                f"{megabytes(needed)} more are needed "
                "(use a bigger stick, or export fewer courses)",
                path=self.root,
                needed=needed,
            )

    # --- blobs --------------------------------------------------------------------------------

    def _blob_path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return pack_path(self.root, blob_relpath(sha256))

    def _has_blob(self, sha256: str, size: int) -> bool:
        if sha256 in self._good:
            return True
        path = self._blob_path(sha256)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise PackError(
                Problem.READ_FAILED, f"cannot read {path}: {exc}", path=str(path)
            ) from exc
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return False
        if self.verify and not self._hash_matches(path, sha256):
            return False
        self._good.add(sha256)
        return True

    def _hash_matches(self, path: Path, sha256: str) -> bool:
        digest = hashlib.sha256()
        buffer = bytearray(self.chunk_size)
        view = memoryview(buffer)
        try:
            with path.open("rb", buffering=0) as fh:
                while n := fh.readinto(buffer):
                    digest.update(view[:n])
        except OSError as exc:
            raise PackError(
                Problem.READ_FAILED, f"cannot read {path}: {exc}", path=str(path)
            ) from exc
        return digest.hexdigest() == sha256

    def add_blob(
        self,
        sha256: str,
        size: int,
        source: Path,
        on_bytes: Callable[[int], None] | None = None,
    ) -> bool:
        """Copies ``source`` into the pack as blob ``sha256``; returns whether it copied.

        Skipped when the stick already has it (see :meth:`missing`). ``on_bytes`` is told each
        chunk's size as it is written.

        Raises:
            BlobMismatch: ``source`` is not ``size`` bytes hashing to ``sha256``.
            PackFull, PackWriteError: nothing was left under the blob's name.
            OSError: ``source`` cannot be read.
        """
        if self._has_blob(sha256, size):
            return False
        final = self._blob_path(sha256)
        tmp = self.root / PARTIAL_DIR / f"{uuid.uuid4().hex}.part"
        try:
            self._copy(source, tmp, sha256, size, on_bytes)
            self._call(partial(final.parent.mkdir, exist_ok=True), final.parent)
            self._call(partial(os.replace, tmp, final), final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._dirty.add(final.parent)
        self._good.add(sha256)
        return True

    def _copy(
        self,
        source: Path,
        tmp: Path,
        sha256: str,
        size: int,
        on_bytes: Callable[[int], None] | None,
    ) -> None:
        digest = hashlib.sha256()
        buffer = bytearray(self.chunk_size)
        view = memoryview(buffer)
        copied = 0
        with source.open("rb", buffering=0) as src, self._writing(tmp) as out:
            while copied <= size and (n := src.readinto(buffer)):
                chunk = view[:n]
                digest.update(chunk)
                out.write(chunk)
                copied += n
                if on_bytes is not None:
                    on_bytes(n)
            if copied == size and digest.hexdigest() == sha256:
                out.flush()
                os.fsync(out.fileno())
        if copied != size or digest.hexdigest() != sha256:
            got = f"{copied} bytes" if copied != size else f"sha256 {digest.hexdigest()}"
            raise BlobMismatch(
                f"{source} is not the file it should be: expected {size} bytes with sha256 "
                f"{sha256}, found {got} (the file changed or is damaged)"
            )

    @contextmanager
    def _writing(self, path: Path) -> Iterator[BinaryIO]:
        """A new file in the pack; errors writing it become :class:`PackWriteError`."""
        try:
            with path.open("xb") as out:
                yield out
        except OSError as exc:
            raise self._write_error(exc, path) from exc

    # --- courses ------------------------------------------------------------------------------

    def add_course(
        self, document: bytes, signature: SignatureFile, content: CourseContent
    ) -> AddResult:
        """Writes ``courses/<id>.json`` (``document``, unchanged) and ``courses/<id>.sig``.

        Every blob of the course must already be in the pack, so a course never appears
        without its files. A version the stick holds higher than ``content.version`` is kept.

        Raises:
            PackError: ``MISSING_BLOB``; ``OTHER_COUNTY`` (the document names another county);
                ``MALFORMED`` (the document is not ``content``).
            PackFull, PackWriteError: the course is absent or as it was (see below).
        """
        name = course_relpath(content.id)
        parsed = load_model(CourseDocument, document, name)
        if parsed.county != self.county:
            raise PackError(
                Problem.OTHER_COUNTY,
                f"course {content.id} is signed for county {parsed.county!r}; this pack is "
                f"for {self.county!r}",
                course=content.id,
            )
        if parsed.course.id != content.id or parsed.course.version != content.version:
            raise PackError(
                Problem.MALFORMED,
                f"the document given for course {content.id} is of {parsed.course.id!r} "
                f"version {parsed.course.version}",
                course=content.id,
            )
        on_stick = self._versions.get(content.id)
        if on_stick is not None and on_stick > content.version:
            return AddResult.KEPT_NEWER
        absent = [a.sha256 for a in parsed.course.assets() if not self._has_blob(a.sha256, a.size)]
        if absent:
            raise PackError(
                Problem.MISSING_BLOB,
                f"course {content.id}: {len(absent)} file(s) are not in the pack yet "
                f"(first: {absent[0]})",
                course=content.id,
            )
        doc_path = pack_path(self.root, name)
        sig_path = pack_path(self.root, course_relpath(content.id, ".sig"))
        sig_bytes = signature.model_dump_json().encode("utf-8")
        if on_stick == content.version and _same(doc_path, document) and _same(sig_path, sig_bytes):
            return AddResult.UNCHANGED
        tmp_doc = self._write_tmp(document)
        try:
            tmp_sig = self._write_tmp(sig_bytes)
        except BaseException:
            tmp_doc.unlink(missing_ok=True)
            raise
        # Two renames cannot be one atomic step: the old document goes first, so a cut in
        # between leaves the course absent (listed as missing), never a document whose
        # signature does not match.
        self._call(partial(doc_path.unlink, missing_ok=True), doc_path)
        self._call(partial(os.replace, tmp_sig, sig_path), sig_path)
        self._call(partial(os.replace, tmp_doc, doc_path), doc_path)
        self._dirty.add(doc_path.parent)
        self._versions[content.id] = content.version
        return AddResult.WRITTEN

    def _write_tmp(self, data: bytes) -> Path:
        tmp = self.root / PARTIAL_DIR / f"{uuid.uuid4().hex}.part"
        try:
            with self._writing(tmp) as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    # --- the index ----------------------------------------------------------------------------

    def _documents(self) -> dict[str, CourseDocument]:
        """Every readable, signed course document in ``courses/``; the others go to
        :attr:`skipped` (their files are left alone)."""
        folder = self.root / COURSES_DIR
        if not folder.is_dir():
            return {}
        found: dict[str, CourseDocument] = {}
        for path in sorted(folder.glob("*.json")):
            course_id = path.stem
            if not _COURSE_ID.fullmatch(course_id):
                self.skipped[path.name] = "not a course id"
                continue
            try:
                _, parsed, _ = read_course(self.root, course_id)
            except PackError as exc:
                self.skipped[path.name] = exc.detail
                continue
            found[course_id] = parsed
        return found

    def finish(self) -> PackIndex:
        """Writes the index of every valid course of this county in the pack and makes all
        that was written durable; the stick may be pulled out once this returns.

        Raises:
            PackFull, PackWriteError: the old index (if any) is still in place.
        """
        documents = {
            cid: doc for cid, doc in self._documents().items() if doc.county == self.county
        }
        courses: list[IndexCourse] = []
        assets: dict[str, IndexAsset] = {}
        for course_id in sorted(documents):
            content = documents[course_id].course
            refs = content.assets()
            courses.append(
                IndexCourse(
                    id=course_id,
                    version=content.version,
                    title=content.title,
                    size=sum(ref.size for ref in refs),
                    assets=len(refs),
                )
            )
            for ref in refs:
                assets.setdefault(ref.sha256, IndexAsset(sha256=ref.sha256, size=ref.size))
        index = PackIndex(
            format=PACK_FORMAT,
            county=self.county,
            created=self.created or self.clock(),
            written_by=self.written_by,
            courses=courses,
            assets=list(assets.values()),
        )
        tmp = self._write_tmp(index.model_dump_json(indent=1).encode("utf-8"))
        final = self.root / INDEX_FILE
        self._call(partial(os.replace, tmp, final), final)
        self._dirty |= {self.root, self.root / BLOBS_DIR}
        for folder in sorted(self._dirty):
            self._call(partial(fsync_dir, folder), folder)
        self._dirty.clear()
        self.created = index.created
        with suppress(OSError):
            (self.root / PARTIAL_DIR).rmdir()
        return index

    # --- errors -------------------------------------------------------------------------------

    def _call(self, action: Callable[[], object], path: Path) -> None:
        try:
            action()
        except OSError as exc:
            raise self._write_error(exc, path) from exc

    def _write_error(self, exc: OSError, path: Path) -> PackWriteError:
        if _disk_full(exc):
            return PackFull(f"the stick at {self.root} is full ({exc.strerror})", path=path)
        if exc.errno == errno.EFBIG:
            return PackWriteError(
                f"{path.name} is too big for the stick's filesystem (FAT32 holds files up to "
                "4 GB: format the stick as exFAT or NTFS)",
                path=path,
            )
        if exc.errno == errno.EROFS:
            return PackWriteError(f"the stick at {self.root} is read-only", path=path)
        return PackWriteError(f"cannot write {path}: {exc.strerror or exc}", path=path)


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def megabytes(n: int) -> str:
    """``12.3 MB``: sizes as messages show them."""
    return f"{n / 1e6:.1f} MB"
