"""What the downloads screens say: why downloads stopped and what to do, speed and time left.

Each stop reason of :class:`~app.sync.download_runner.DrainReport` becomes a sentence that says
what happened and what to do (or that nothing needs doing), in the teacher's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from PySide6.QtCore import QCoreApplication

from app.sync.download_runner import DownloadTick, DrainReport, StopReason
from app.sync.policy import TimeWindow
from app.ui.texts import format_size, local_time

# QCoreApplication.translate is spelt out at each text (not wrapped) so lupdate finds them.


class Tone(Enum):
    """How a state line is coloured."""

    GOOD = "good"  # working, or all done
    WAIT = "wait"  # nothing wrong; it continues by itself
    ACT = "act"  # someone has to do something


TONE_COLOURS = {Tone.GOOD: "#2e7d32", Tone.WAIT: "#8a6d3b", Tone.ACT: "#b00020"}


@dataclass(frozen=True)
class QueueState:
    """What the screens know about the queue when they describe it.

    Attributes:
        files: files queued (paused ones included).
        paused_files: of them, in a paused course.
        failed_files: of them, waiting to be tried again after a failure.
        retry_at: when the first of those may be tried again (naive UTC).
        paused_all: every download paused ("Pause all").
        has_server: a county server is set on this PC.
        enrolled: this PC is connected to it.
    """

    files: int
    paused_files: int = 0
    failed_files: int = 0
    retry_at: datetime | None = None
    paused_all: bool = False
    has_server: bool = True
    enrolled: bool = True


def describe_state(
    state: QueueState,
    report: DrainReport | None,
    running: bool,
    window: TimeWindow | None,
) -> tuple[str, Tone]:
    """The sentence for the downloads screen's state line, and its tone."""
    if not state.has_server:
        return (
            QCoreApplication.translate(
                "Downloads",
                "No county server is set up on this computer, so nothing can be downloaded.",
            ),
            Tone.ACT,
        )
    if not state.enrolled:
        return (
            QCoreApplication.translate(
                "Downloads",
                "This computer is not connected to the county server yet. Connect it with your school's enrollment code; downloads start after that.",
            ),
            Tone.ACT,
        )
    if state.files == 0:
        return QCoreApplication.translate("Downloads", "Everything is downloaded."), Tone.GOOD
    if state.paused_all:
        return (
            QCoreApplication.translate(
                "Downloads", 'All downloads are paused. Press "Resume all" to continue.'
            ),
            Tone.WAIT,
        )
    if running:
        return (
            QCoreApplication.translate(
                "Downloads",
                "Downloading. You can keep using Lamplight meanwhile; the downloads go on in the background.",
            ),
            Tone.GOOD,
        )
    reason = report.reason if report is not None else None
    if reason is StopReason.WINDOW and window is not None:
        return describe_window(window), Tone.WAIT
    if reason is StopReason.OFFLINE:
        return (
            QCoreApplication.translate(
                "Downloads",
                "Cannot reach the county server. Downloads continue by themselves when the network is back.",
            ),
            Tone.WAIT,
        )
    if reason is StopReason.DISK:
        return describe_disk_full(), Tone.ACT
    if reason is StopReason.REFUSED:
        return (
            QCoreApplication.translate(
                "Downloads",
                "The county server does not accept this computer any more, so downloads stopped. Connect this computer again with your school's enrollment code; downloads continue after that.",
            ),
            Tone.ACT,
        )
    if reason is StopReason.BUSY:
        return (
            QCoreApplication.translate(
                "Downloads",
                "Another download is running on this computer (perhaps a scheduled sync). These downloads continue when it is done.",
            ),
            Tone.WAIT,
        )
    if state.failed_files and state.failed_files + state.paused_files >= state.files:
        at = local_time(state.retry_at).strftime("%H:%M") if state.retry_at else ""
        text = (
            QCoreApplication.translate(
                "Downloads",
                '%n file(s) could not be downloaded yet. Lamplight tries again by itself at %1, or press "Try again" now.',
            )
            .replace("%n", str(state.failed_files))
            .replace("%1", at)
        )
        return text, Tone.WAIT
    if state.paused_files >= state.files:
        return (
            QCoreApplication.translate(
                "Downloads",
                'The courses left are paused. Press "Resume this course" to continue.',
            ),
            Tone.WAIT,
        )
    return QCoreApplication.translate("Downloads", "Waiting to download\u2026"), Tone.WAIT


def describe_disk_full() -> str:
    return QCoreApplication.translate(
        "Downloads",
        'The disk is almost full, so downloads stopped. Nothing was lost. Ask the person who looks after this computer to free some space, then press "Try again".',
    )


def describe_window(window: TimeWindow) -> str:
    return (
        QCoreApplication.translate(
            "Downloads",
            "Downloads run only from %1 to %2, so the school's network stays free for teaching. They will continue by themselves.",
        )
        .replace("%1", f"{window.start:%H:%M}")
        .replace("%2", f"{window.end:%H:%M}")
    )


def describe_stop_short(report: DrainReport | None, window: TimeWindow | None) -> str | None:
    """A short line for a course page whose files wait because downloads stopped; ``None``
    when they are not stopped (running, done, or stopped by closing)."""
    reason = report.reason if report is not None else None
    if reason is StopReason.WINDOW and window is not None:
        return QCoreApplication.translate(
            "Downloads", "Waiting for the download hours (from %1)."
        ).replace("%1", f"{window.start:%H:%M}")
    if reason is StopReason.OFFLINE:
        return QCoreApplication.translate(
            "Downloads", "Waiting for the network: the county server cannot be reached."
        )
    if reason is StopReason.DISK:
        return QCoreApplication.translate(
            "Downloads", "Stopped: the disk is almost full. See Downloads."
        )
    if reason is StopReason.REFUSED:
        return QCoreApplication.translate(
            "Downloads", "Stopped: this computer must be connected to the county server again."
        )
    if reason is StopReason.PAUSED:
        return QCoreApplication.translate("Downloads", "All downloads are paused.")
    return None


def format_speed(rate: float) -> str:
    return QCoreApplication.translate("Downloads", "%1/s").replace("%1", format_size(int(rate)))


def format_time_left(seconds: float | None) -> str:
    """``about 2 minutes left``; ``""`` when not known yet."""
    if seconds is None or seconds < 0 or math.isinf(seconds) or math.isnan(seconds):
        return ""
    if seconds < 60:
        return QCoreApplication.translate("Downloads", "less than a minute left")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return QCoreApplication.translate("Downloads", "about %n minute(s) left").replace(
            "%n", str(minutes)
        )
    hours, minutes = divmod(minutes, 60)
    if hours >= 10 or minutes == 0:
        return QCoreApplication.translate("Downloads", "about %n hour(s) left").replace(
            "%n", str(hours + (minutes >= 30))
        )
    return (
        QCoreApplication.translate("Downloads", "about %1 h %2 min left")
        .replace("%1", str(hours))
        .replace("%2", str(minutes))
    )


def progress_line(done: int, total: int, rate: float | None, eta_s: float | None) -> str:
    """``12.3 MB of 80.0 MB · 1.2 MB/s · about 2 minutes left`` (speed and time when known)."""
    parts = [
        QCoreApplication.translate("Downloads", "%1 of %2")
        .replace("%1", format_size(done))
        .replace("%2", format_size(total))
    ]
    if rate:
        parts.append(format_speed(rate))
        left = format_time_left(eta_s)
        if left:
            parts.append(left)
    return " \u00b7 ".join(parts)


def tick_share(tick: DownloadTick) -> float:
    return min(1.0, tick.done / tick.total) if tick.total > 0 else 0.0
