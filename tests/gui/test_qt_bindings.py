"""The Qt bindings themselves: PySide6 6.12.0 on CPython 3.11 lost a reference to ``True`` on
every signal emitted and one to ``None`` on every Qt call returning nothing, so a long download
(a few updates a second) aborted the app with ``bool_dealloc``. pyproject.toml excludes it; this
test fails on any version that does it again."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

CALLS = 2000


class _Emitter(QObject):
    ticked = Signal(object)


def test_signals_and_void_calls_keep_their_references(qapp: QApplication) -> None:
    label = QLabel()
    emitter = _Emitter()
    received: list[object] = []
    emitter.ticked.connect(received.append)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for n in range(CALLS):
        emitter.ticked.emit(n)
        label.setText("x")
    qapp.processEvents()
    assert len(received) == CALLS
    # Allow a little noise from the interpreter itself; the bug lost one per call.
    assert sys.getrefcount(True) - true_before > -CALLS // 10
    assert sys.getrefcount(None) - none_before > -CALLS // 10
