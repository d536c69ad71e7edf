"""The executable's icon made from a county's logo, SVG or PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from installer.icon import ICON_SIZE, IconError, make_icon

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "logo", [REPO / "counties" / "demo-logo.svg", REPO / "assets" / "icons" / "lamplight.png"]
)
def test_a_logo_becomes_a_square_icon(qapp: object, tmp_path: Path, logo: Path) -> None:
    icon = make_icon(logo, tmp_path / "out" / "lamplight.ico")
    image = QImage(str(icon))
    assert (image.width(), image.height()) == (ICON_SIZE, ICON_SIZE)
    centre = image.pixelColor(ICON_SIZE // 2, ICON_SIZE // 2)
    assert centre.alpha() > 0  # the logo was drawn, not an empty square


@pytest.mark.qt_log_ignore("Cannot read file")  # Qt's SVG reader says why it failed, too
@pytest.mark.parametrize("name", ["broken.svg", "broken.png"])
def test_a_logo_that_is_no_image_is_refused(qapp: object, tmp_path: Path, name: str) -> None:
    logo = tmp_path / name
    logo.write_text("not an image", encoding="utf-8")
    with pytest.raises(IconError, match=name):
        make_icon(logo, tmp_path / "lamplight.ico")
