"""The executable's icon, made from the county's logo (PNG or SVG) with Qt: a 256 px ``.ico``
for Windows (Explorer, the Start menu, the installer). Other systems take the logo as it is."""

from __future__ import annotations

import os
from pathlib import Path

ICON_SIZE = 256


class IconError(Exception):
    """The logo cannot be made into an icon."""


def make_icon(logo: Path, out: Path) -> Path:
    """Renders ``logo`` into a square ``.ico`` at ``out`` (the logo centred, aspect kept).

    Raises:
        IconError: the logo cannot be read as an image.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    canvas = QImage(ICON_SIZE, ICON_SIZE, QImage.Format.Format_ARGB32)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    try:
        if logo.suffix.lower() == ".svg":
            renderer = QSvgRenderer(str(logo))
            if not renderer.isValid():
                raise IconError(f"{logo} is not an SVG image Qt can draw")
            size = renderer.defaultSize()
        else:
            image = QImage(str(logo))
            if image.isNull():
                raise IconError(f"{logo} is not an image Qt can read")
            size = image.size()
        scale = ICON_SIZE / max(size.width(), size.height(), 1)
        width, height = size.width() * scale, size.height() * scale
        target = QRectF((ICON_SIZE - width) / 2, (ICON_SIZE - height) / 2, width, height)
        if logo.suffix.lower() == ".svg":
            renderer.render(painter, target)
        else:
            painter.drawImage(target, image)
    finally:
        painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not canvas.save(str(out)):  # the format follows the suffix (.ico)
        raise IconError(f"could not write the icon {out}")
    return out
