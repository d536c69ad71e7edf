"""Drawing the download list: a band for each course, a card with a progress bar for each file.

The course band leaves room on its right for the course's Pause/Resume button (a real button,
placed over the band by the page with ``setIndexWidget``).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.downloads import PRIORITY_NOW, QueuedAsset
from app.ui.downloads_model import (
    COURSE,
    ActiveRole,
    AssetRole,
    CourseGroup,
    GroupRole,
    KindRole,
    ShareRole,
)
from app.ui.texts import format_size, local_time

Index = QModelIndex | QPersistentModelIndex

# Width kept free on a course band for its button.
BUTTON_AREA = 250
FILE_INDENT = 28
BAR_HEIGHT = 14

BAND = QColor("#f3e6d0")
CARD = QColor("#ffffff")
CARD_BORDER = QColor("#e0d8c8")
ACTIVE_BORDER = QColor("#d9822b")
TEXT = QColor("#222222")
HINT = QColor("#5a5a5a")
GOOD = QColor("#2e7d32")
BAD = QColor("#b00020")
BAR_BACK = QColor("#f4efe6")
BAR_EDGE = QColor("#c9bfa8")
BAR_FILL = QColor("#e0a050")
BAR_ACTIVE = QColor("#d9822b")
BAR_PAUSED = QColor("#c8c8c8")
BAR_FAILED = QColor("#e6a1a1")


class DownloadDelegate(QStyledItemDelegate):
    """Paints the rows of :class:`~app.ui.downloads_model.DownloadsModel`."""

    def __init__(self, parent: object = None, *, clock: Clock = utc_now) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        if index.data(KindRole) == COURSE:
            return QSize(option.rect.width(), max(76, int(line * 2.4) + 24))
        return QSize(option.rect.width(), max(72, line + BAR_HEIGHT + 34))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        group: CourseGroup | None = index.data(GroupRole)
        asset: QueuedAsset | None = index.data(AssetRole)
        if group is not None:
            self._paint_course(painter, option, group)
        elif asset is not None:
            share = float(index.data(ShareRole) or 0.0)
            self._paint_file(painter, option, asset, share, bool(index.data(ActiveRole)))
        painter.restore()

    # Course bands -----------------------------------------------------------------------------
    def _paint_course(
        self, painter: QPainter, option: QStyleOptionViewItem, group: CourseGroup
    ) -> None:
        rect = option.rect.adjusted(4, 10, -4, -2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAND)
        painter.drawRoundedRect(rect, 8, 8)
        base = QFont(option.font)
        title_font = QFont(base)
        title_font.setBold(True)
        title_font.setPointSizeF(base.pointSizeF() * 1.1)
        text = rect.adjusted(16, 6, -BUTTON_AREA, -6)
        half = text.height() // 2
        title_rect = QRect(text.left(), text.top(), text.width(), half)
        painter.setFont(title_font)
        painter.setPen(TEXT)
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(title_font).elidedText(
                group.title, Qt.TextElideMode.ElideRight, title_rect.width()
            ),
        )
        painter.setFont(base)
        painter.setPen(HINT)
        line_rect = QRect(text.left(), text.top() + half, text.width(), text.height() - half)
        painter.drawText(
            line_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(base).elidedText(
                self.course_line(group), Qt.TextElideMode.ElideRight, line_rect.width()
            ),
        )

    def course_line(self, group: CourseGroup) -> str:
        files = self.tr("%n file(s) left").replace("%n", str(group.files))
        sizes = (
            self.tr("%1 of %2")
            .replace("%1", format_size(group.have))
            .replace("%2", format_size(group.size))
        )
        if group.paused:
            return " \u00b7 ".join([self.tr("Paused"), files, sizes])
        return f"{files} \u00b7 {sizes}"

    # File cards -------------------------------------------------------------------------------
    def _paint_file(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        asset: QueuedAsset,
        share: float,
        active: bool,
    ) -> None:
        rect = option.rect.adjusted(FILE_INDENT, 3, -8, -3)
        painter.setPen(ACTIVE_BORDER if active else CARD_BORDER)
        painter.setBrush(CARD)
        painter.drawRoundedRect(rect, 8, 8)
        inner = rect.adjusted(14, 6, -14, -8)
        base = QFont(option.font)
        metrics = QFontMetrics(base)
        state, colour = self.file_state(asset, active)
        bold = QFont(base)
        bold.setBold(active)
        state_width = min(QFontMetrics(bold).horizontalAdvance(state) + 8, inner.width() // 2)
        line = metrics.height()
        title_rect = QRect(inner.left(), inner.top(), inner.width() - state_width - 12, line)
        painter.setFont(base)
        painter.setPen(TEXT)
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(asset.title, Qt.TextElideMode.ElideRight, title_rect.width()),
        )
        painter.setFont(bold)
        painter.setPen(colour)
        state_rect = QRect(inner.right() - state_width, inner.top(), state_width, line)
        painter.drawText(
            state_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(bold).elidedText(state, Qt.TextElideMode.ElideRight, state_width),
        )
        sizes = (
            self.tr("%1 of %2")
            .replace("%1", format_size(asset.have))
            .replace("%2", format_size(asset.size))
        )
        painter.setFont(base)
        sizes_width = metrics.horizontalAdvance(sizes) + 16
        bar_top = inner.bottom() - BAR_HEIGHT - (line - BAR_HEIGHT) // 2
        bar = QRect(inner.left(), bar_top, inner.width() - sizes_width, BAR_HEIGHT)
        self._paint_bar(painter, bar, share, self._bar_colour(asset, active))
        painter.setPen(HINT)
        painter.drawText(
            QRect(bar.right() + 8, inner.bottom() - line, sizes_width - 8, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            sizes,
        )

    def file_state(self, asset: QueuedAsset, active: bool) -> tuple[str, QColor]:
        """What a file's card says on its right, and in which colour."""
        if active:
            return self.tr("Downloading now"), GOOD
        if asset.paused:
            return self.tr("Paused"), HINT
        now = naive_utc(self.clock())
        if asset.failures and asset.retry_at is not None and asset.retry_at > now:
            return (
                self.tr("Could not download yet \u00b7 tries again at %1").replace(
                    "%1", _clock_time(asset.retry_at)
                ),
                BAD,
            )
        if asset.priority >= PRIORITY_NOW:
            return self.tr("Goes first"), HINT
        return self.tr("Waiting"), HINT

    def _bar_colour(self, asset: QueuedAsset, active: bool) -> QColor:
        if active:
            return BAR_ACTIVE
        if asset.paused:
            return BAR_PAUSED
        if asset.failures:
            return BAR_FAILED
        return BAR_FILL

    @staticmethod
    def _paint_bar(painter: QPainter, rect: QRect, share: float, colour: QColor) -> None:
        radius = rect.height() / 2
        painter.setPen(BAR_EDGE)
        painter.setBrush(BAR_BACK)
        painter.drawRoundedRect(rect, radius, radius)
        filled = int(rect.width() * max(0.0, min(1.0, share)))
        if filled > 2:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(
                QRect(rect.left(), rect.top(), filled, rect.height()), radius, radius
            )


def _clock_time(moment: datetime) -> str:
    return local_time(moment).strftime("%H:%M")
