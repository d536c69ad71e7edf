"""The video player: resumes where the teacher stopped and records what they watched.

QtMultimedia is imported only when a video is opened, to keep start-up light.

Every command to the player (source, play, pause, stop, seek) is queued to the event loop
(:meth:`VideoPage._command`) instead of called from Python. Qt's FFmpeg backend tears its
worker objects down in their own threads, and their destructors call into PySide's wrappers
(the audio output, the video sink), which need the GIL; a Python call such as ``stop()`` holds
the GIL while it waits for those threads, so the app froze now and then when a video was closed
(seen in the tests, 1 in about 30). Run from the event loop, the same call holds no GIL.
"""

from __future__ import annotations

from PySide6.QtCore import (
    Q_ARG,
    QGenericArgumentHolder,
    QMetaObject,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from app.context import AppContext
from app.resources import asset
from app.storage import progress
from app.storage.catalog import ItemRow
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.texts import format_duration
from app.ui.viewer_header import add_viewer_header


class VideoPage(QWidget):
    """Signals:
    closed(): the teacher left the video (its progress is saved).
    """

    closed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.item: ItemRow | None = None
        self.teacher: Teacher | None = None
        self.tracker = progress.WatchTracker()
        self._pending_seek: float | None = None
        self._recorded: list[dict[str, float]] = []

        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video = QVideoWidget()
        self.video.setMinimumSize(480, 270)
        self.player.setVideoOutput(self.video)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.title = add_viewer_header(layout, self.close_video)
        layout.addWidget(self.video, 1)
        controls = QHBoxLayout()
        self.play_button = QPushButton()
        self.play_button.setIconSize(QSize(32, 32))
        self.play_button.setMinimumSize(140, 56)
        self.play_button.clicked.connect(self.toggle)
        controls.addWidget(self.play_button)
        self.back10 = QPushButton(self.tr("Back 10 s"))
        self.back10.setMinimumHeight(56)
        self.back10.clicked.connect(lambda: self.seek(max(0.0, self.position() - 10)))
        controls.addWidget(self.back10)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumHeight(40)
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value() / 1000))
        controls.addWidget(self.slider, 1)
        self.time_label = QLabel("0:00 / 0:00")
        controls.addWidget(self.time_label)
        layout.addLayout(controls)
        self.watched_label = QLabel()
        self.watched_label.setProperty("role", "hint")
        layout.addWidget(self.watched_label)

        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)
        self._show_play_state()

    # Opening and closing ----------------------------------------------------------------------
    def open_item(self, item: ItemRow, teacher: Teacher) -> bool:
        path = self.context.content.path_of(item.sha256)
        if path is None:
            message.error(
                self.tr(
                    "This video is no longer on this computer. Please download the course again."
                )
            )
            return False
        self.item, self.teacher = item, teacher
        self.title.setText(item.title)
        with self.context.db.read_session() as session:
            events = progress.events_for(session, teacher, [item.id])[item.id]
        state = progress.video_progress(events)
        self._recorded = [e.payload for e in events if e.kind == progress.VIDEO_WATCHED]
        self._pending_seek = state.resume_at if state.resume_at > 0 else None
        self.tracker.reset()
        self._show_watched(state)
        self._command("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(path))))
        self._command("play")
        return True

    def close_video(self) -> None:
        self._command("pause")
        self._record(self.tracker.flush())
        self._command("stop")
        self._command("setSource", Q_ARG(QUrl, QUrl()))
        self.item = None
        self.closed.emit()

    def _command(self, slot: str, *args: QGenericArgumentHolder) -> None:
        """Queues ``player.<slot>(*args)`` for the event loop (see the module docstring);
        commands run in the order given."""
        QMetaObject.invokeMethod(self.player, slot, Qt.ConnectionType.QueuedConnection, *args)

    # Playback ---------------------------------------------------------------------------------
    def position(self) -> float:
        return self.player.position() / 1000

    def duration(self) -> float:
        return self.player.duration() / 1000

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self._command("pause")
        else:
            self._command("play")

    def seek(self, seconds: float) -> None:
        self._record(self.tracker.flush())
        self.tracker.reset()
        self._command("setPosition", Q_ARG("qint64", int(seconds * 1000)))

    def _on_position(self, ms: int) -> None:
        seconds = ms / 1000
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time_label.setText(f"{format_duration(seconds)} / {format_duration(self.duration())}")
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self._record(self.tracker.update(seconds))
            self._show_live_share()

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, ms)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._pending_seek is not None:
            self._command("setPosition", Q_ARG("qint64", int(self._pending_seek * 1000)))
            self._pending_seek = None
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.tracker.update(self.duration())
            self._record(self.tracker.flush())

    def _on_state(self, _state: QMediaPlayer.PlaybackState) -> None:
        self._show_play_state()
        if self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
            self._record(self.tracker.flush())

    def _on_error(self, _error: QMediaPlayer.Error, text: str) -> None:
        message.error(
            self.tr("This video cannot be played on this computer (%1).").replace("%1", text)
        )

    def _show_play_state(self) -> None:
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        self.play_button.setIcon(QIcon(str(asset("icons", "pause.svg" if playing else "play.svg"))))

    # Progress ---------------------------------------------------------------------------------
    def _record(self, watched: tuple[float, float] | None) -> None:
        if watched is None or self.item is None or self.teacher is None:
            return
        duration = self.duration()
        if duration <= 0:
            return
        start, end = watched
        with self.context.db.write() as session:
            progress.record(
                session,
                self.teacher,
                self.item.id,
                progress.VIDEO_WATCHED,
                {"start": round(start, 3), "end": round(end, 3), "duration": round(duration, 3)},
                clock=self.context.clock,
            )
            events = progress.events_for(session, self.teacher, [self.item.id])[self.item.id]
        self._recorded = [e.payload for e in events if e.kind == progress.VIDEO_WATCHED]
        self._show_watched(progress.video_progress(events))

    def _show_live_share(self) -> None:
        """Updates the watched share with the range being watched now (not yet recorded)."""
        current = self.tracker.current()
        duration = self.duration()
        if current is None or duration <= 0:
            return
        live = [*self._recorded, {"start": current[0], "end": current[1], "duration": duration}]
        events = [progress.Event(0, progress.VIDEO_WATCHED, p) for p in live]
        self._show_watched(progress.video_progress(events))

    def _show_watched(self, state: progress.ItemProgress) -> None:
        if state.done:
            self.watched_label.setText("\u2714 " + self.tr("You have watched this video."))
        else:
            self.watched_label.setText(
                self.tr("You have watched %1% of this video.").replace(
                    "%1", str(int(state.share * 100))
                )
            )
