"""Finding USB sticks: Linux mounts (desktop mounts, hand mounts checked in sysfs), Windows drive
letters, macOS volumes; free space; whether a pack is on the stick."""

from __future__ import annotations

import sys
from pathlib import Path

from app.sync.drives import (
    DRIVE_REMOVABLE,
    Drive,
    bundle_root,
    describe,
    is_removable_device,
    linux_drives,
    mac_drives,
    pack_folder,
    parse_mountinfo,
    windows_drives,
)
from wire.pack import INDEX_FILE

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
98 27 8:17 / {media}/li/KINGSTON rw,nosuid,nodev,relatime shared:52 - vfat /dev/sdb1 rw,fmask=0022
99 27 8:33 / {runmedia}/li/MY\\040STICK rw,nosuid shared:53 master:7 - exfat /dev/sdc1 rw
100 27 0:60 / {runmedia}/li/helper rw - tmpfs tmpfs rw
101 27 8:1 / {mnt}/data rw,relatime - ext4 /dev/sda1 rw
102 27 8:49 / {mnt}/stick rw,relatime - vfat /dev/sdd1 rw
103 27 8:65 / {mnt}/reader rw,relatime - vfat /dev/sde1 rw
this line is not a mount
"""


def test_parse_mountinfo_reads_fields_after_the_separator_and_unescapes_spaces() -> None:
    mounts = parse_mountinfo(MOUNTINFO.format(media="/media", runmedia="/run/media", mnt="/mnt"))
    by_point = {m.mount_point: m for m in mounts}
    stick = by_point["/run/media/li/MY STICK"]
    assert (stick.device, stick.fs_type, stick.source) == ("8:33", "exfat", "/dev/sdc1")
    assert by_point["/media/li/KINGSTON"].fs_type == "vfat"
    assert len(mounts) == 8  # the malformed line is skipped


def fake_sysfs(root: Path) -> Path:
    """sysfs with sda (internal), sdd (removable flag on the disk) and sde (on USB)."""
    devices = root / "devices"
    for disk, parent, removable in (
        ("sda", "pci0000:00/ata1/host0/block", "0"),
        ("sdd", "pci0000:00/ata2/host1/block", "1"),
        ("sde", "pci0000:00/usb2/2-1/host2/block", "0"),
    ):
        part = devices / parent / disk / f"{disk}1"
        part.mkdir(parents=True)
        (part.parent / "removable").write_text(removable + "\n")
    links = root / "dev" / "block"
    links.mkdir(parents=True)
    for device, disk, parent in (
        ("8:1", "sda", "pci0000:00/ata1/host0/block"),
        ("8:49", "sdd", "pci0000:00/ata2/host1/block"),
        ("8:65", "sde", "pci0000:00/usb2/2-1/host2/block"),
    ):
        (links / device).symlink_to(devices / parent / disk / f"{disk}1")
    return root


def test_a_partition_is_removable_when_its_disk_says_so_or_it_is_on_usb(tmp_path: Path) -> None:
    sys_root = fake_sysfs(tmp_path / "sys")
    assert not is_removable_device("8:1", sys_root)
    assert is_removable_device("8:49", sys_root)
    assert is_removable_device("8:65", sys_root)
    assert not is_removable_device("9:9", sys_root)  # not there at all


def test_linux_lists_desktop_mounts_and_removable_hand_mounts_only(tmp_path: Path) -> None:
    media, runmedia, mnt = tmp_path / "media", tmp_path / "run-media", tmp_path / "mnt"
    points = [
        media / "li" / "KINGSTON",
        runmedia / "li" / "MY STICK",
        runmedia / "li" / "helper",
        mnt / "data",
        mnt / "stick",
        mnt / "reader",
    ]
    for point in points:
        point.mkdir(parents=True)
    (media / "li" / "KINGSTON" / "lamplight").mkdir()
    (media / "li" / "KINGSTON" / "lamplight" / INDEX_FILE).write_text("{}")
    text = MOUNTINFO.format(media=media, runmedia=runmedia, mnt=mnt)

    drives = linux_drives(
        text,
        media_roots=(str(media), str(runmedia)),
        manual_roots=(str(mnt),),
        sys_root=fake_sysfs(tmp_path / "sys"),
    )

    assert [d.label for d in drives] == ["KINGSTON", "reader", "stick", "MY STICK"]
    kingston = drives[0]
    assert kingston.has_pack and not drives[1].has_pack
    assert 0 < kingston.free_bytes <= kingston.total_bytes


def test_a_mount_that_went_away_is_left_out(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "li" / "KINGSTON").mkdir(parents=True)  # MY STICK was pulled out meanwhile
    text = MOUNTINFO.format(media=media, runmedia=tmp_path / "gone", mnt=tmp_path / "mnt")
    drives = linux_drives(text, media_roots=(str(media), str(tmp_path / "gone")), manual_roots=())
    assert [d.label for d in drives] == ["KINGSTON"]


def test_pack_folder_finds_a_pack_at_the_top_or_in_the_lamplight_folder(tmp_path: Path) -> None:
    assert pack_folder(tmp_path) is None
    (tmp_path / "lamplight").mkdir()
    (tmp_path / "lamplight" / INDEX_FILE).write_text("{}")
    assert pack_folder(tmp_path) == tmp_path / "lamplight"
    (tmp_path / INDEX_FILE).write_text("{}")
    assert pack_folder(tmp_path) == tmp_path
    assert pack_folder(tmp_path / "missing") is None


def test_progress_goes_to_the_pack_on_the_stick_or_a_new_lamplight_folder(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()  # a stick holding other things
    assert bundle_root(tmp_path) == tmp_path / "lamplight"
    assert bundle_root(tmp_path / "lamplight") == tmp_path / "lamplight"
    (tmp_path / INDEX_FILE).write_text("{}")
    assert bundle_root(tmp_path) == tmp_path


def test_windows_lists_removable_letters_with_their_labels(tmp_path: Path) -> None:
    # C: fixed, E: removable with a label, F: removable card reader without a card, G: network.
    types = {"C:\\": 3, "E:\\": DRIVE_REMOVABLE, "F:\\": DRIVE_REMOVABLE, "G:\\": 4}
    mask = sum(1 << (ord(letter) - ord("A")) for letter in "CEFG")
    described: list[tuple[Path, str]] = []

    def fake_describe(path: Path, label: str) -> Drive | None:
        described.append((path, label))
        if str(path).startswith("F"):
            return None  # no card: disk_usage fails
        return Drive(path, label, 1, 2, False)

    drives = windows_drives(
        mask,
        drive_type=types.__getitem__,
        label_of=lambda root: "KINGSTON" if root == "E:\\" else "",
        describe_fn=fake_describe,
    )
    assert [d.label for d in drives] == ["KINGSTON (E:)"]
    assert [label for _path, label in described] == ["KINGSTON (E:)", "F:"]


def test_windows_lookup_lists_nothing_where_there_is_no_win32() -> None:
    if sys.platform != "win32":
        assert windows_drives() == []


def test_mac_lists_volumes_but_not_the_startup_disk(tmp_path: Path) -> None:
    volumes = tmp_path / "Volumes"
    volumes.mkdir()
    (volumes / "Macintosh HD").symlink_to("/")
    (volumes / ".hidden").mkdir()
    (volumes / "NO NAME").mkdir()
    (volumes / "notes.txt").write_text("not a volume")
    # Here the volumes share the test's disk: name another device as the start-up disk.
    drives = mac_drives(volumes, root_device=-1)
    assert [d.label for d in drives] == ["NO NAME"]
    # A volume on the start-up disk's device is that disk (or a folder on it).
    assert mac_drives(volumes) == []


def test_describe_gives_space_and_none_for_a_missing_path(tmp_path: Path) -> None:
    drive = describe(tmp_path, "")
    assert drive is not None and drive.label == tmp_path.name and drive.total_bytes > 0
    assert describe(tmp_path / "nope", "X") is None
