"""The one channel for messages to the teacher: :func:`error`, :func:`warning`, :func:`info`.

Any part of the UI (and workers' callbacks) posts here; the main window shows them. Messages
posted before a window listens are kept and delivered when it connects, so nothing said during
start-up is lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
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
        self._slots: list[Callable[[Level, str], None]] = []
        self.history: list[tuple[Level, str]] = []

    def post(self, level: Level, text: str) -> None:
        self.history.append((level, text))
        if self._listening:
            self.posted.emit(level, text)
        else:
            self._pending.append((level, text))

    def listen(self, slot: Callable[[Level, str], None]) -> None:
        """Connects a window's ``slot`` to :attr:`posted` and delivers what was kept."""
        self.posted.connect(slot)
        self._slots.append(slot)
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
    """Forgets every message and listener (a new main window, or a test, starts afresh).

    The bus object itself lives as long as the process: deleting a QObject that windows are
    connected to is what Qt warns against.
    """
    if _bus is None:
        return
    for slot in _bus._slots:
        # The window is gone already (PySide6 >= 6.12 wraps that RuntimeError in a SystemError).
        with contextlib.suppress(RuntimeError, SystemError):
            _bus.posted.disconnect(slot)
    _bus._slots.clear()
    _bus._pending.clear()
    _bus.history.clear()
    _bus._listening = False


def error(text: str) -> None:
    bus().post(Level.ERROR, text)


def warning(text: str) -> None:
    bus().post(Level.WARNING, text)


def info(text: str) -> None:
    bus().post(Level.INFO, text)
