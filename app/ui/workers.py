"""Work off the UI thread, Anki-style: ``Op(parent, fn).success(cb).failure(cb).run()``.

``fn`` runs in the global QThreadPool and must not touch widgets; the callbacks run on the UI
thread. With ``.progress(cb)``, ``fn`` is called with a ``report(value)`` function whose values
reach ``cb`` on the UI thread. If ``parent`` is destroyed first, the callbacks are dropped.
``fn`` should not hold ``parent`` (or any QObject): it is released on the worker thread.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


#: The Ops whose work is under way, by bridge key; touched on the UI thread only. The pool
#: thread holds the bridge (to emit) but never the Op: the Op's callbacks hold its parent, and
#: a thread dropping the last reference to a QObject would destroy it on the wrong thread.
_running: dict[int, Op] = {}
_keys = itertools.count()


class _Bridge(QObject):
    """Lives on the UI thread; signals emitted by the worker reach its slots queued.

    Signals:
        succeeded(object), failed(object), progressed(object)
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(object)

    def __init__(self, parent: QObject, op: Op) -> None:
        super().__init__(parent)
        key = self.key = next(_keys)
        _running[key] = op
        self.destroyed.connect(lambda: _running.pop(key, None))  # the parent went first
        self.succeeded.connect(self._on_succeeded)
        self.failed.connect(self._on_failed)
        self.progressed.connect(self._on_progressed)

    @Slot(object)
    def _on_succeeded(self, result: Any) -> None:
        self.deleteLater()
        op = _running.pop(self.key, None)
        if op is not None and op.on_success is not None:
            op.on_success(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self.deleteLater()
        op = _running.pop(self.key, None)
        if op is None:
            return
        if op.on_failure is not None:
            op.on_failure(exc)
        else:
            log.error("background work failed", exc_info=exc)

    @Slot(object)
    def _on_progressed(self, value: Any) -> None:
        op = _running.get(self.key)
        if op is not None and op.on_progress is not None:
            op.on_progress(value)


def _emit(signal: Any, value: Any) -> None:
    # RuntimeError: the parent widget was closed meanwhile, so nobody is listening.
    with contextlib.suppress(RuntimeError):
        signal.emit(value)


class _Runnable(QRunnable):
    # Holds the work and the bridge, never the Op: the Op holds its parent, and the pool thread
    # dropping the last reference to a QObject would destroy it on the wrong thread.
    def __init__(self, fn: Callable[..., Any], with_progress: bool, bridge: _Bridge) -> None:
        super().__init__()
        self.fn = fn
        self.with_progress = with_progress
        self.bridge = bridge

    def run(self) -> None:
        bridge, fn = self.bridge, self.fn
        self.fn = self.bridge = None  # type: ignore[assignment]  # released here, not later
        try:
            if self.with_progress:
                result = fn(lambda value: _emit(bridge.progressed, value))
            else:
                result = fn()
        except BaseException as exc:
            _emit(bridge.failed, exc)
        else:
            _emit(bridge.succeeded, result)


class Op:
    """One piece of background work with UI-thread callbacks.

    Args:
        parent: the QObject that owns the callbacks (usually the widget that started it).
        fn: the work; called with ``report`` if :meth:`progress` was set.
    """

    def __init__(self, parent: QObject, fn: Callable[..., Any]) -> None:
        self.parent = parent
        self.fn = fn
        self.on_success: Callable[[Any], None] | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self.on_progress: Callable[[Any], None] | None = None

    def success(self, cb: Callable[[Any], None]) -> Op:
        self.on_success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op:
        self.on_failure = cb
        return self

    def progress(self, cb: Callable[[Any], None]) -> Op:
        self.on_progress = cb
        return self

    def run(self) -> None:
        bridge = _Bridge(self.parent, self)
        QThreadPool.globalInstance().start(_Runnable(self.fn, self.on_progress is not None, bridge))
