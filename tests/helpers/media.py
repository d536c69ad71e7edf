"""Course folders with real (random) media of a chosen size, for download tests and benches."""

from __future__ import annotations

import os
from pathlib import Path

MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def write_video(path: Path, size: int, seed: bytes | None = None) -> None:
    """A file of ``size`` random bytes that publish accepts as an MP4 (it starts with ``ftyp``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = seed * (1 << 20 // max(1, len(seed))) if seed else os.urandom(1 << 20)
    with path.open("wb") as fh:
        fh.write(MP4_HEADER)
        left = size - len(MP4_HEADER)
        while left > 0:
            n = min(left, len(block))
            fh.write(os.urandom(n) if seed is None else block[:n])
            left -= n


def video_course(folder: Path, course_id: str, sizes: list[int], title: str = "") -> Path:
    """A course folder (``course.toml`` and ``media/``) with one video item per size."""
    items = []
    for n, size in enumerate(sizes, start=1):
        write_video(folder / "media" / f"v{n}.mp4", size)
        items.append(
            f'  [[lessons.items]]\n  id = "v{n}"\n  kind = "video"\n  title = "视频 {n}"\n'
            f'  file = "media/v{n}.mp4"\n'
        )
    (folder / "course.toml").write_text(
        f'format = 1\nid = "{course_id}"\ntitle = "{title or course_id}"\n'
        f'language = "zh-CN"\n\n[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n' + "\n".join(items),
        encoding="utf-8",
    )
    return folder
