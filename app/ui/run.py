"""Starting the app window: the county profile, the QApplication, the data, the courses shipped
inside the installer (first start), the main window."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from app.context import AppContext
from app.county import CountyProfile, CountyProfileError, load_county
from app.paths import DataPaths
from app.starter import pending_starter
from app.storage.errors import StorageError
from app.ui import crash
from app.ui.application import create_application
from app.ui.main_window import MainWindow
from app.ui.texts import describe_error


def run_gui(
    paths: DataPaths, server_url: str | None, language: str | None, *, startup_probe: bool = False
) -> int:
    """Runs the app until its window closes; returns the process exit code."""
    try:
        county = load_county()
        county_error: CountyProfileError | None = None
    except CountyProfileError as exc:  # said once the application can show it
        county, county_error = CountyProfile(), exc
    app = create_application(language, county)
    crash.install()
    if county_error is not None:
        QMessageBox.critical(None, "Lamplight", str(county_error))
        return 2
    try:
        context = AppContext.open(paths, server_url, county=county)
    except StorageError as exc:
        QMessageBox.critical(None, "Lamplight", describe_error(exc) or str(exc))
        return 2
    prepare_starter(context)  # the probe too: a county build's first start is measured whole
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


def prepare_starter(context: AppContext) -> bool:
    """At first start (and after an upgrade bringing new ones), prepares the courses shipped
    inside the installer in the modal :class:`~app.ui.starter_dialog.StarterDialog`; returns
    once it closed (true), or at once when there is nothing to prepare (false)."""
    if pending_starter(context) is None:
        return False
    from app.ui.starter_dialog import StarterDialog

    dialog = StarterDialog(context)
    dialog.exec()
    dialog.deleteLater()
    return True
