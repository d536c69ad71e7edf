"""The main window: a header with who is learning, the pages, and the status line.

Pages: profile picker -> course list -> one course -> video, document or form (questionnaire,
quiz), and the Downloads page (from the header's Downloads button, on every page). Players are
made the first time they are needed (QtMultimedia and QtPdf are not loaded at start-up). The
window owns the sync and download workers and opens the dialogs around them (connecting this
PC, bringing a teacher from another PC, the records the server refused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.resources import asset
from app.storage.catalog import ItemRow
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.application import current_language, logo_pixmap
from app.ui.catalog_page import CatalogPage
from app.ui.claim_dialog import ClaimDialog
from app.ui.course_page import CoursePage
from app.ui.download_worker import DownloadWorker
from app.ui.downloads_page import DownloadsButton, DownloadsPage
from app.ui.enroll_dialog import EnrollDialog, TransportFactory
from app.ui.problems_dialog import ProblemsDialog
from app.ui.profile_page import ProfilePage
from app.ui.status import StatusLine
from app.ui.sync_worker import ClientFactory, SyncWorker
from app.ui.texts import describe_error, describe_sync_error
from app.ui.workers import Op

if TYPE_CHECKING:
    from app.storage.downloads import QueuedAsset
    from app.sync.download_runner import DrainReport, StopReason
    from app.sync.engine import SyncReport
    from app.ui.document_page import DocumentPage
    from app.ui.form_page import FormPage
    from app.ui.usb_window import UsbWindow
    from app.ui.usb_worker import UsbBackend
    from app.ui.video_page import VideoPage

#: How long closing the window waits for a running sync to reach its next stopping point.
SYNC_CLOSE_WAIT_S = 5.0
# How long it waits for a running download to stop after its current chunk.
DOWNLOAD_CLOSE_WAIT_S = 5.0
# How long it waits for a copy from a USB stick to stop after its current file.
USB_CLOSE_WAIT_S = 5.0
# The county logo's height in the header (pixels).
LOGO_HEIGHT = 32


class MainWindow(QMainWindow):
    """Signals:
    catalog_refreshed(int): a catalog refresh or a sync finished (number of courses changed;
        -1 failed).

    Attributes:
        enroll_transport, claim_client: how the enrollment and claim dialogs reach the server
            (``None``: the real network; tests give fakes).
        usb_backend: what the USB window calls (``None``: the real sticks and packs).
    """

    catalog_refreshed = Signal(int)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.teacher: Teacher | None = None
        self.enroll_transport: TransportFactory | None = None
        self.claim_client: ClientFactory | None = None
        self.enroll_dialog: EnrollDialog | None = None
        self._last_failure: type[BaseException] | None = None
        self._video: VideoPage | None = None
        self._document: DocumentPage | None = None
        self._form: FormPage | None = None
        self._before_downloads: QWidget | None = None
        self._last_stop: StopReason | None = None
        self.usb_window: UsbWindow | None = None
        self.usb_backend: UsbBackend | None = None
        county_name = context.county.display_name(current_language())
        self.setWindowTitle(county_name or self.tr("Lamplight - teacher training"))
        self.resize(1100, 760)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setStyleSheet("#header { background: #3b2f2a; } #header QLabel { color: #fff3df; }")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 8, 20, 8)
        self.logo = QLabel()  # the county's logo, left of its name
        bar.addWidget(self.logo)
        logo = logo_pixmap(context.county.logo, LOGO_HEIGHT, self.devicePixelRatioF())
        if logo is not None:
            self.logo.setPixmap(logo)
        else:
            self.logo.hide()
        self.app_name = QLabel(county_name or self.tr("Lamplight"))
        self.app_name.setStyleSheet("font-size: 18pt; font-weight: bold;")
        bar.addWidget(self.app_name)
        bar.addStretch(1)
        self.downloads = DownloadWorker(context, self)
        self.downloads_button = DownloadsButton(context, self.downloads)
        self.downloads_button.clicked.connect(self.show_downloads)
        bar.addWidget(self.downloads_button)
        self.usb_button = QPushButton(QIcon(str(asset("icons", "usb.svg"))), self.tr("USB stick"))
        self.usb_button.setIconSize(QSize(24, 24))
        self.usb_button.setMinimumHeight(48)
        self.usb_button.clicked.connect(self.open_usb)
        bar.addWidget(self.usb_button)
        bar.addSpacing(16)
        self.teacher_label = QLabel()
        bar.addWidget(self.teacher_label)
        self.switch_button = QPushButton(self.tr("Switch teacher"))
        self.switch_button.clicked.connect(self.sign_out)
        self.switch_button.hide()
        bar.addWidget(self.switch_button)
        outer.addWidget(header)

        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.profiles = ProfilePage(context)
        self.catalog = CatalogPage(context)
        self.course = CoursePage(context, self.downloads)
        self.downloads_page = DownloadsPage(context, self.downloads)
        for page in (self.profiles, self.catalog, self.course, self.downloads_page):
            self.stack.addWidget(page)
        self.profiles.opened.connect(self.sign_in)
        self.catalog.course_chosen.connect(self.open_course)
        self.course.back.connect(self.show_catalog)
        self.course.item_opened.connect(self.open_item)
        self.course.course_changed.connect(self.catalog.refresh_course)
        self.course.downloads_requested.connect(self.show_downloads)
        self.downloads_page.back.connect(self.leave_downloads)
        self.downloads_page.connect_requested.connect(lambda: self.ask_enrollment())
        self.downloads.stored.connect(self._asset_stored)
        self.downloads.finished.connect(self._downloads_stopped)

        self.profiles.elsewhere_requested.connect(self.claim_profile)

        self.status = StatusLine(context)
        self.statusBar().addPermanentWidget(self.status, 1)
        self.sync = SyncWorker(context, self)
        self.sync.started.connect(self.status.sync_started)
        self.sync.progressed.connect(self.status.sync_progressed)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.sync.enrollment_needed.connect(self._enrollment_needed)
        self.status.sync_requested.connect(self.sync.sync_now)
        self.status.server_back.connect(self.sync.sync_now)
        self.status.server_back.connect(self.downloads.wake)
        # A sync may have queued what the county marked for every school, and the server is there.
        self.sync.finished.connect(lambda _report: self.downloads.wake())
        self.status.connect_requested.connect(lambda: self.ask_enrollment())
        self.status.problems_requested.connect(self.show_problems)
        message.bus().listen(self.show_message)
        self.catalog.reload()

    # Navigation ------------------------------------------------------------------------------
    def sign_in(self, teacher: Teacher) -> None:
        self.teacher = teacher
        self.teacher_label.setText(self.tr("Learning now: %1").replace("%1", teacher.name))
        self.switch_button.show()
        self.show_catalog()

    def sign_out(self) -> None:
        if self._video is not None and self._video.item is not None:
            self._video.close_video()
        if self._document is not None and self._document.item is not None:
            self._document.close_document()
        if self._form is not None and self._form.item is not None:
            self._form.close_form()
        self.teacher = None
        self.teacher_label.setText("")
        self.switch_button.hide()
        self.profiles.reload()
        self.stack.setCurrentWidget(self.profiles)
        self.status.show_state()

    def show_catalog(self) -> None:
        self.stack.setCurrentWidget(self.catalog)

    def open_course(self, course_id: str) -> None:
        if self.teacher is None:
            self.sign_out()
            return
        self.course.show_course(course_id, self.teacher)
        self.stack.setCurrentWidget(self.course)

    def open_item(self, item: ItemRow) -> None:
        if self.teacher is None:
            return
        if not item.stored:  # not here yet: it is fetched first, and opens when it arrives
            self.course.download_first(item)
            return
        page: QWidget
        if item.kind == "video":
            page = self.video_page()
            opened = self.video_page().open_item(item, self.teacher)
        elif item.kind == "document":
            page = self.document_page()
            opened = self.document_page().open_item(item, self.teacher)
        elif item.kind in ("questionnaire", "quiz"):
            page = self.form_page()
            opened = self.form_page().open_item(item, self.teacher)
        else:
            message.info(
                self.tr("This kind of item cannot be opened by this version of Lamplight.")
            )
            return
        if opened:
            self.stack.setCurrentWidget(page)

    def back_to_course(self) -> None:
        self.course.refresh_states()
        self.stack.setCurrentWidget(self.course)
        self.status.show_state()  # what the teacher just did waits to be sent

    def show_downloads(self) -> None:
        """The Downloads page; its Back button returns to the page the teacher was on."""
        current = self.stack.currentWidget()
        if current is self.downloads_page:
            return
        if current is self._video and self._video is not None and self._video.item is not None:
            self._video.close_video()  # records what was watched; back on the course page
        elif (
            current is self._document
            and self._document is not None
            and self._document.item is not None
        ):
            self._document.close_document()
        elif current is self._form and self._form is not None and self._form.item is not None:
            self._form.close_form()  # every answer is saved; reopening resumes the draft
        self._before_downloads = self.stack.currentWidget()
        self.stack.setCurrentWidget(self.downloads_page)

    def leave_downloads(self) -> None:
        page = self._before_downloads
        self._before_downloads = None
        if page is None or (page is not self.profiles and self.teacher is None):
            page = self.profiles if self.teacher is None else self.catalog
        if page is self.course:
            self.course.refresh_states()
        self.stack.setCurrentWidget(page)

    def video_page(self) -> VideoPage:
        if self._video is None:
            from app.ui.video_page import VideoPage

            self._video = VideoPage(self.context)
            self._video.closed.connect(self.back_to_course)
            self.stack.addWidget(self._video)
        return self._video

    def document_page(self) -> DocumentPage:
        if self._document is None:
            from app.ui.document_page import DocumentPage

            self._document = DocumentPage(self.context)
            self._document.closed.connect(self.back_to_course)
            self.stack.addWidget(self._document)
        return self._document

    def form_page(self) -> FormPage:
        if self._form is None:
            from app.ui.form_page import FormPage

            self._form = FormPage(self.context)
            self._form.closed.connect(self.back_to_course)
            self.stack.addWidget(self._form)
        return self._form

    # Server ----------------------------------------------------------------------------------
    def start_background(self) -> None:
        """Starts what runs by itself: the status check and the sync (which refreshes the
        catalog); on a PC not enrolled yet, a catalog refresh and the enrollment dialog."""
        self.status.start()
        if not self.sync.enrolled():
            self.refresh_catalog()
        self.sync.start()
        self.downloads.start()

    def refresh_catalog(self) -> None:
        client = self.context.client()
        if client is None:
            return
        context = self.context

        def work() -> int:
            from app.sync.catalog_sync import refresh_catalog

            return refresh_catalog(context.db, client, clock=context.clock)

        Op(self, work).success(self._catalog_done).failure(self._catalog_failed).run()

    def _catalog_done(self, changed: int) -> None:
        self.status.mark(True)
        if changed:
            self.catalog.reload()
        self.catalog_refreshed.emit(changed)

    def _catalog_failed(self, exc: BaseException) -> None:
        from app.sync.errors import DeviceRevokedError, NotEnrolledError, OfflineError

        # A server that refuses this PC did answer: it is there.
        self.status.mark(isinstance(exc, NotEnrolledError | DeviceRevokedError))
        text = describe_error(exc)
        if text is None:
            self.catalog_refreshed.emit(-1)
            raise exc
        # Being offline is normal, and enrolling has its own dialog: the status line says it.
        if not isinstance(exc, OfflineError | NotEnrolledError | DeviceRevokedError):
            message.error(text)
        self.catalog_refreshed.emit(-1)

    # Downloads -------------------------------------------------------------------------------
    def _asset_stored(self, asset: QueuedAsset) -> None:
        self.catalog.refresh_course(asset.course_id)

    def _downloads_stopped(self, report: DrainReport) -> None:
        from app.sync.download_runner import StopReason

        if report.stored:  # a file may belong to other courses too: redraw the list
            self.catalog.reload()
        # A full disk needs someone to act: say it once, not at every retry.
        if report.reason is StopReason.DISK and self._last_stop != StopReason.DISK:
            from app.ui.download_texts import describe_disk_full

            message.error(describe_disk_full())
        if report.reason is not StopReason.STOPPED:
            self._last_stop = report.reason

    # USB stick -------------------------------------------------------------------------------
    def open_usb(self) -> UsbWindow:
        """The USB window: courses from a stick, progress onto it (one window at a time)."""
        if self.usb_window is None:
            from app.ui.usb_window import UsbWindow

            window = UsbWindow(self.context, self, backend=self.usb_backend)
            window.courses_imported.connect(self._courses_imported)
            window.device_enrolled.connect(self._enrolled_by_stick)
            window.finished.connect(self._usb_closed)
            self.usb_window = window
        self.usb_window.open()
        return self.usb_window

    def _usb_closed(self) -> None:
        if self.usb_window is not None:
            self.usb_window.deleteLater()
            self.usb_window = None

    def _courses_imported(self, course_ids: list[str]) -> None:
        self.catalog.reload()
        if self.stack.currentWidget() is self.course:
            self.course.refresh_states()
        self.downloads_page.queue_changed()  # their files need no download any more
        message.info(
            self.tr("%n course(s) from the USB stick are ready to use.").replace(
                "%n", str(len(course_ids))
            )
        )

    # Sync ------------------------------------------------------------------------------------
    def _sync_finished(self, report: SyncReport) -> None:
        self._last_failure = None
        self.status.sync_finished()
        if report.courses_changed:
            self.catalog.reload()
        if self.stack.currentWidget() is self.course and (report.pulled or report.courses_changed):
            self.course.refresh_states()
        self.catalog_refreshed.emit(report.courses_changed)

    def _sync_failed(self, exc: BaseException) -> None:
        from app.storage.errors import DiskFullError

        self.status.sync_failed(exc)
        self.catalog_refreshed.emit(-1)
        text = describe_sync_error(exc)
        if text is None:
            raise exc
        # A full disk needs the teacher to act: say it once, not at every retry.
        if isinstance(exc, DiskFullError) and self._last_failure is not DiskFullError:
            message.error(text)
        self._last_failure = type(exc)

    def _enrollment_needed(self, exc: BaseException | None) -> None:
        from app.sync.errors import DeviceRevokedError

        if exc is None:
            reason = ""
        elif isinstance(exc, DeviceRevokedError):
            reason = describe_error(exc) or ""
        else:
            reason = self.tr(
                "The county server does not know this computer any more (perhaps it was reinstalled). Please connect this computer again with your school's enrollment code."
            )
        self.ask_enrollment(reason)

    def ask_enrollment(self, reason: str = "", then: Callable[[], None] | None = None) -> None:
        """Opens the enrollment dialog (once); ``then`` runs after the PC enrolled."""
        if self.enroll_dialog is not None:  # open already (and modal)
            return
        dialog = EnrollDialog(
            self.context, self, reason=reason, transport_factory=self.enroll_transport
        )
        self.enroll_dialog = dialog

        def done(result: int) -> None:
            self.enroll_dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and dialog.state is not None:
                self._enrolled(dialog.state.school)
                if then is not None:
                    then()

        dialog.finished.connect(done)
        dialog.open()

    def _enrolled(self, school: str) -> None:
        message.info(
            self.tr("This computer is now connected to the county server (%1).").replace(
                "%1", school
            )
        )
        self.status.show_state()
        self.sync.start()
        self.downloads.start()
        self.downloads_page.queue_changed()

    def _enrolled_by_stick(self, _state: object) -> None:
        """Registered with a credential from a USB stick (the USB window says so): the status
        line and the syncing catch up, which will work once the network is there."""
        self.status.show_state()
        self.sync.start()
        self.downloads.start()

    def claim_profile(self) -> None:
        """A teacher from another PC: enroll first if needed, then find them and check the PIN."""
        if not self.sync.enrolled():
            self.ask_enrollment(
                self.tr(
                    "To bring your profile from another computer, first connect this computer to the county server."
                ),
                then=self.claim_profile,
            )
            return
        dialog = ClaimDialog(self.context, self, client_factory=self.claim_client)

        def done(result: int) -> None:
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and dialog.teacher is not None:
                self._claimed(dialog.teacher)

        dialog.finished.connect(done)
        dialog.open()

    def _claimed(self, teacher: Teacher) -> None:
        self.profiles.reload()
        self.sign_in(teacher)
        message.info(
            self.tr(
                "Welcome, %1! Your work from the other computer is being brought here now."
            ).replace("%1", teacher.name)
        )
        self.sync.sync_now()

    def show_problems(self) -> None:
        dialog = ProblemsDialog(self.context, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # Messages and closing --------------------------------------------------------------------
    def show_message(self, level: message.Level, text: str) -> None:
        if level == message.Level.INFO:
            self.statusBar().showMessage(text, 8000)
            return
        box = QMessageBox(self)
        box.setIcon(
            QMessageBox.Icon.Critical if level == message.Level.ERROR else QMessageBox.Icon.Warning
        )
        box.setWindowTitle(self.tr("Lamplight"))
        box.setText(text)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._video is not None and self._video.item is not None:
            self._video.close_video()
        if self._document is not None and self._document.item is not None:
            self._document.close_document()
        if self._form is not None and self._form.item is not None:
            self._form.flush()  # the last seconds of typing
        self.status.timer.stop()
        if self.usb_window is not None:
            self.usb_window.stop_and_wait(USB_CLOSE_WAIT_S)
        self.sync.stop()
        self.downloads.stop()
        # Let a running sync and download reach their next stopping point before the database
        # is closed (the download keeps its bytes and resumes at the next start).
        self.sync.wait_idle(SYNC_CLOSE_WAIT_S)
        self.downloads.wait_idle(DOWNLOAD_CLOSE_WAIT_S)
        super().closeEvent(event)
