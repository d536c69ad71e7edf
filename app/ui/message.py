"""The one channel for messages to the teacher: :func:`error`, :func:`warning`, :func:`info`.

Any part of the UI (and workers' callbacks) posts here; the main window shows them. Messages
posted before a window listens are kept and delivered when it connects, so nothing said during
start-up is lost.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QObject, Signal


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class MessageBus(QObject):
    """Signals:
    posted(Level, str): a message for the teacher, already translated.
    """

    posted = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[tuple[Level, str]] = []
        self._listening = False
        self.history: list[tuple[Level, str]] = []

    def post(self, level: Level, text: str) -> None:
        self.history.append((level, text))
        if self._listening:
            self.posted.emit(level, text)
        else:
            self._pending.append((level, text))

    def listen(self) -> None:
        """Called once a window is connected to :attr:`posted`: delivers what was kept."""
        self._listening = True
        pending, self._pending = self._pending, []
        for level, text in pending:
            self.posted.emit(level, text)


_bus: MessageBus | None = None


def bus() -> MessageBus:
    global _bus
    if _bus is None:
        _bus = MessageBus()
    return _bus


def reset() -> None:
    """Forgets the bus (tests make a fresh one per app)."""
    global _bus
    _bus = None


def error(text: str) -> None:
    bus().post(Level.ERROR, text)


def warning(text: str) -> None:
    bus().post(Level.WARNING, text)


def info(text: str) -> None:
    bus().post(Level.INFO, text)
