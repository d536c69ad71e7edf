"""Writing a set of signed courses to a pack, with progress: the loop both the county's
``export-pack`` and a PC's peer copy run over :class:`wire.pack_writer.PackWriter`.

:func:`write_courses` checks the free space first, copies each course's missing blobs, adds
its document and signature, reports a bad course and goes on with the others, and on a full
stick still rebuilds the index before raising. :class:`ProgressLine` draws its progress on a
terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from wire.blobs import BlobMismatch
from wire.pack import CourseContent, PackError, SignatureFile
from wire.pack_writer import AddResult, PackWriteError, PackWriter, megabytes


@dataclass(frozen=True)
class PackCourse:
    """One signed course to put in a pack."""

    document: bytes
    signature: SignatureFile
    content: CourseContent


@dataclass(frozen=True)
class CopyProgress:
    """Where an export stands; ``total`` is what had to be copied (see
    :meth:`PackWriter.missing_bytes`)."""

    done: int
    total: int
    files_done: int
    files_total: int
    course_id: str
    course_title: str


@dataclass
class PackReport:
    """What :func:`write_courses` did."""

    pack: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: (course id, the version on the stick, the version offered)
    kept_newer: list[tuple[str, int, int]] = field(default_factory=list)
    #: (course id, why): nothing of that course's document was written
    failed: list[tuple[str, str]] = field(default_factory=list)
    blobs_copied: int = 0
    bytes_copied: int = 0
    blobs_present: int = 0

    def lines(self) -> list[str]:
        """A plain summary, one sentence a line."""
        out = [
            f"written to {self.pack}: {len(self.written)} course(s) new or updated, "
            f"{len(self.unchanged)} already there",
            f"files: {self.blobs_copied} copied ({megabytes(self.bytes_copied)}), "
            f"{self.blobs_present} already on the stick",
        ]
        out += [
            f"kept {cid}: the stick has version {stick}, newer than version {offered}"
            for cid, stick, offered in self.kept_newer
        ]
        out += [f"not written: {cid}: {why}" for cid, why in self.failed]
        return out


def write_courses(
    writer: PackWriter,
    courses: Sequence[PackCourse],
    source: Callable[[str], Path],
    on_progress: Callable[[CopyProgress], None] | None = None,
) -> PackReport:
    """Puts ``courses`` in the pack: each course's missing blobs (read from ``source(sha256)``),
    then its document; then the index (:meth:`PackWriter.finish`).

    A course whose source file is damaged or unreadable, or that names another county, is
    reported in :attr:`PackReport.failed` and the others go on. When the stick fills up or
    cannot be written, the index is still rebuilt from what was completed (if the stick lets
    it) before the error is raised.

    Raises:
        PackFull: before anything is copied when the stick's free space is clearly too
            small, or when it fills up while copying.
        PackWriteError: the stick cannot be written.
        PackError: ``UNSAFE_NAME`` (a symlink where a blob goes) or ``READ_FAILED`` on the
            stick, found before anything is copied.
    """
    report = PackReport(writer.root)
    todo = [c for c in courses if not _kept(writer, c, report)]
    plan = writer.missing(a for c in todo for a in c.content.assets())
    writer.check_space(sum(a.size for a in plan))
    progress = _Progress(sum(a.size for a in plan), len(plan), on_progress)
    try:
        for course in todo:
            content = course.content
            progress.course = content
            try:
                for asset in content.assets():
                    path = source(asset.sha256)
                    if writer.add_blob(asset.sha256, asset.size, path, progress.tick):
                        report.blobs_copied += 1
                        report.bytes_copied += asset.size
                        progress.files_done += 1
                    else:
                        report.blobs_present += 1
                result = writer.add_course(course.document, course.signature, content)
            except (BlobMismatch, PackError) as exc:
                report.failed.append((content.id, str(exc)))
                continue
            except OSError as exc:
                report.failed.append((content.id, f"cannot read {exc.filename}: {exc.strerror}"))
                continue
            if result == AddResult.WRITTEN:
                report.written.append(content.id)
            elif result == AddResult.UNCHANGED:
                report.unchanged.append(content.id)
    except PackWriteError:
        with suppress(PackWriteError, OSError):
            writer.finish()  # the index lists what was completed before the stick gave out
        raise
    writer.finish()
    return report


@dataclass
class _Progress:
    total: int
    files_total: int
    listener: Callable[[CopyProgress], None] | None
    course: CourseContent | None = None
    done: int = 0
    files_done: int = 0

    def tick(self, n: int) -> None:
        self.done += n
        if self.listener is not None and self.course is not None:
            self.listener(
                CopyProgress(
                    min(self.done, self.total),
                    self.total,
                    self.files_done,
                    self.files_total,
                    self.course.id,
                    self.course.title,
                )
            )


def _kept(writer: PackWriter, course: PackCourse, report: PackReport) -> bool:
    """Whether the stick's own, newer version of ``course`` stays (nothing is copied for it)."""
    on_stick = writer.existing_version(course.content.id)
    if on_stick is not None and on_stick > course.content.version:
        report.kept_newer.append((course.content.id, on_stick, course.content.version))
        return True
    return False


# --- progress on a terminal -------------------------------------------------------------------


class ProgressLine:
    """Export progress on a terminal: one line redrawn in place (a few times a second) on a
    tty; on a pipe or a log file, a plain line per course, so logs stay readable."""

    def __init__(
        self, out: TextIO | None = None, *, monotonic: Callable[[], float] = time.monotonic
    ):
        self.out = out if out is not None else sys.stderr
        self.tty = self.out.isatty()
        self.monotonic = monotonic
        self._last_draw = float("-inf")
        self._course = ""
        self._width = 0

    def __call__(self, progress: CopyProgress) -> None:
        if not self.tty:
            if progress.course_id != self._course:
                self._course = progress.course_id
                print(
                    f"copying {progress.course_id} ({progress.course_title}): "
                    f"{megabytes(progress.done)} of {megabytes(progress.total)}",
                    file=self.out,
                    flush=True,
                )
            return
        now = self.monotonic()
        if now - self._last_draw < 0.2 and progress.done < progress.total:
            return
        self._last_draw = now
        line = self.line(progress)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.out.write("\r" + line + " " * pad)
        self.out.flush()

    @staticmethod
    def line(progress: CopyProgress) -> str:
        share = progress.done / progress.total if progress.total else 1.0
        bar = "#" * int(share * 20)
        return (
            f"[{bar:<20}] {share:4.0%} {megabytes(progress.done)} of {megabytes(progress.total)}, "
            f"file {min(progress.files_done + 1, progress.files_total)} of "
            f"{progress.files_total} | {progress.course_id}"
        )

    def finish(self) -> None:
        if self.tty and self._width:
            self.out.write("\n")
            self.out.flush()
            self._width = 0
