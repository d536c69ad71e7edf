"""Starting the app window: the QApplication, the data, the main window."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from app.context import AppContext
from app.paths import DataPaths
from app.storage.errors import StorageError
from app.ui import crash
from app.ui.application import create_application
from app.ui.main_window import MainWindow
from app.ui.texts import describe_error


def run_gui(
    paths: DataPaths, server_url: str | None, language: str | None, *, startup_probe: bool = False
) -> int:
    """Runs the app until its window closes; returns the process exit code."""
    app = create_application(language)
    crash.install()
    try:
        context = AppContext.open(paths, server_url)
    except StorageError as exc:
        QMessageBox.critical(None, "Lamplight", describe_error(exc) or str(exc))
        return 2
    window = MainWindow(context)
    window.show()
    if startup_probe:
        # Benchmarks: report once the window is shown with the catalog in it, then quit.
        def report() -> None:
            window.show_catalog()
            app.processEvents()
            rows = window.catalog.model.rowCount()
            print(f"startup-probe ready rows={rows} t={time.perf_counter():.3f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    else:
        window.start_background()
    try:
        return app.exec()
    finally:
        context.close()
        sys.stdout.flush()
