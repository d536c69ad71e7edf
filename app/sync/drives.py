"""The USB sticks (and memory cards) plugged into this PC, for the USB window's list.

Only removable drives are listed, so a teacher does not have to tell a stick from the system disk:

* **Linux**: what is mounted under ``/media/`` and ``/run/media/`` (where desktops mount sticks),
  read from ``/proc/self/mountinfo``; and under ``/mnt/`` only when sysfs says the disk is
  removable or hangs off USB (someone mounted a stick by hand), never a second internal disk.
* **Windows**: every drive letter whose type is ``DRIVE_REMOVABLE`` (``GetLogicalDrives``,
  ``GetDriveTypeW``). USB hard disks that call themselves fixed are not listed; "Choose a
  folder" reaches them.
* **macOS**: every volume in ``/Volumes`` but the start-up disk.

A drive that goes away while it is looked at, or cannot be read, is left out. Nothing here
raises: an unknown system lists nothing, and the folder chooser is always there.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from wire.pack import find_pack, pack_root_for_writing

LINUX_MEDIA_ROOTS = ("/media/", "/run/media/")
LINUX_MANUAL_ROOTS = ("/mnt/",)
#: Filesystems that never live on a stick (a desktop may put a tmpfs or a FUSE helper under
#: /media or /run/media).
PSEUDO_FS = frozenset(
    {"tmpfs", "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "autofs", "overlay"}
)

DRIVE_REMOVABLE = 2  # GetDriveTypeW
SEM_FAILCRITICALERRORS = 0x0001  # no "insert a disk" box for an empty card reader


@dataclass(frozen=True)
class Drive:
    """One removable drive.

    Attributes:
        path: where its files are (``/media/li/KINGSTON``, ``E:\\``).
        label: its name as people see it (the volume label, else the folder or letter).
        free_bytes, total_bytes: its space.
        has_pack: a Lamplight pack is on it (at its top or in ``lamplight/``).
    """

    path: Path
    label: str
    free_bytes: int
    total_bytes: int
    has_pack: bool


def pack_folder(folder: Path) -> Path | None:
    """``folder`` or ``folder/lamplight`` when it holds a pack index; else ``None``."""
    return find_pack(folder)


def bundle_root(folder: Path) -> Path:
    """Where progress goes on a stick (:func:`wire.pack.pack_root_for_writing`)."""
    return pack_root_for_writing(folder)


def describe(path: Path, label: str) -> Drive | None:
    """A :class:`Drive` for a mounted ``path``; ``None`` if it cannot be read now."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return Drive(
        path=path,
        label=label or path.name or str(path),
        free_bytes=usage.free,
        total_bytes=usage.total,
        has_pack=pack_folder(path) is not None,
    )


def removable_drives() -> list[Drive]:
    """The removable drives of this PC, in a stable order."""
    if sys.platform == "win32":
        return windows_drives()
    if sys.platform == "darwin":
        return mac_drives()
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return linux_drives(text)
    return []


# --- Linux ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mount:
    """One line of ``/proc/self/mountinfo``."""

    device: str  # major:minor
    mount_point: str
    fs_type: str
    source: str


def _unescape(field: str) -> str:
    # The kernel writes space, tab, newline and backslash in paths as \040-style octal.
    out, i = [], 0
    while i < len(field):
        chunk = field[i + 1 : i + 4]
        if field[i] == "\\" and len(chunk) == 3 and all(c in "01234567" for c in chunk):
            out.append(chr(int(chunk, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts of a ``/proc/self/mountinfo`` text; malformed lines are skipped."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            dash = fields.index("-", 6)
            mounts.append(
                Mount(
                    device=fields[2],
                    mount_point=_unescape(fields[4]),
                    fs_type=fields[dash + 1],
                    source=_unescape(fields[dash + 2]),
                )
            )
        except (ValueError, IndexError):
            continue
    return mounts


def is_removable_device(device: str, sys_root: Path = Path("/sys")) -> bool:
    """Whether the block device ``major:minor`` is removable or on USB, per sysfs.

    A partition's ``removable`` flag is on its disk (``.../sdb/removable`` for ``sdb1``);
    USB card readers and many sticks say 0 there, so a USB path counts too.
    """
    try:
        real = (sys_root / "dev" / "block" / device).resolve(strict=True)
    except OSError:
        return False
    if "/usb" in real.as_posix():
        return True
    for folder in (real, real.parent):
        try:
            if (folder / "removable").read_text().strip() == "1":
                return True
        except OSError:
            continue
    return False


def linux_drives(
    mountinfo: str,
    *,
    media_roots: Iterable[str] = LINUX_MEDIA_ROOTS,
    manual_roots: Iterable[str] = LINUX_MANUAL_ROOTS,
    sys_root: Path = Path("/sys"),
    describe_fn: Callable[[Path, str], Drive | None] = describe,
) -> list[Drive]:
    """The removable drives among the mounts of ``mountinfo`` (see the module docstring).

    Args:
        media_roots: where desktops mount sticks: everything mounted below is listed.
        manual_roots: where people mount disks by hand: listed only if removable or USB.
        sys_root: sysfs (tests give a folder of their own).
    """
    media = tuple(r.rstrip("/") + "/" for r in media_roots)
    manual = tuple(r.rstrip("/") + "/" for r in manual_roots)
    drives: list[Drive] = []
    seen: set[str] = set()
    for mount in parse_mountinfo(mountinfo):
        point = mount.mount_point
        if mount.fs_type in PSEUDO_FS or point in seen:
            continue
        if point.startswith(media):
            pass
        elif point.startswith(manual):
            if not is_removable_device(mount.device, sys_root):
                continue
        else:
            continue
        seen.add(point)
        drive = describe_fn(Path(point), Path(point).name)
        if drive is not None:
            drives.append(drive)
    return sorted(drives, key=lambda d: str(d.path))


# --- macOS ----------------------------------------------------------------------------------


def mac_drives(volumes: Path = Path("/Volumes"), root_device: int | None = None) -> list[Drive]:
    """Every volume in ``/Volumes`` but the start-up disk (a link to ``/``, or on its device).

    Args:
        root_device: the start-up disk's ``st_dev`` (default: that of ``/``).
    """
    try:
        entries = sorted(volumes.iterdir())
        if root_device is None:
            root_device = os.stat("/").st_dev
    except OSError:
        return []
    drives = []
    for entry in entries:
        try:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if entry.resolve() == Path("/").resolve() or entry.stat().st_dev == root_device:
                continue
        except OSError:
            continue
        drive = describe(entry, entry.name)
        if drive is not None:
            drives.append(drive)
    return drives


# --- Windows --------------------------------------------------------------------------------


def windows_drives(
    mask: int | None = None,
    drive_type: Callable[[str], int] | None = None,
    label_of: Callable[[str], str] | None = None,
    describe_fn: Callable[[Path, str], Drive | None] = describe,
) -> list[Drive]:
    """The removable drive letters (tests give ``mask``, ``drive_type`` and ``label_of``)."""
    if mask is None or drive_type is None or label_of is None:
        try:
            real_mask, real_type, real_label = _win32_functions()
        except (ImportError, AttributeError, OSError):
            return []
        mask = real_mask() if mask is None else mask
        drive_type = drive_type or real_type
        label_of = label_of or real_label
    drives = []
    for number in range(26):
        if not mask & (1 << number):
            continue
        root = f"{chr(ord('A') + number)}:\\"
        if drive_type(root) != DRIVE_REMOVABLE:
            continue
        name = label_of(root)
        label = f"{name} ({root[:2]})" if name else root[:2]
        drive = describe_fn(Path(root), label)
        if drive is not None:
            drives.append(drive)
    return drives


def _win32_functions() -> tuple[Callable[[], int], Callable[[str], int], Callable[[str], str]]:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    # An empty card reader must not pop up "There is no disk in the drive".
    kernel32.SetThreadErrorMode(SEM_FAILCRITICALERRORS, None)

    def mask() -> int:
        return int(kernel32.GetLogicalDrives())

    def drive_type(root: str) -> int:
        return int(kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))

    def label_of(root: str) -> str:
        buffer = ctypes.create_unicode_buffer(261)
        ok = kernel32.GetVolumeInformationW(
            ctypes.c_wchar_p(root), buffer, len(buffer), None, None, None, None, 0
        )
        return str(buffer.value) if ok else ""

    return mask, drive_type, label_of
