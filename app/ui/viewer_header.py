"""The top row every viewer shares: a big "Back to the course" button and the item's title."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.resources import asset


def add_viewer_header(layout: QVBoxLayout, on_back: Callable[[], None]) -> QLabel:
    """Adds the header row to ``layout``; returns the title label to fill in."""
    row = QHBoxLayout()
    back = QPushButton(
        QIcon(str(asset("icons", "back.svg"))),
        QCoreApplication.translate("ViewerHeader", "Back to the course"),
    )
    back.clicked.connect(on_back)
    row.addWidget(back)
    title = QLabel()
    title.setProperty("role", "title")
    row.addWidget(title, 1)
    layout.addLayout(row)
    return title
