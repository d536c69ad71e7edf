"""Block digests: prefix digests of 256 KiB blocks, their wire form, and when a list is trusted."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from wire import blocks
from wire.blocks import BLOCK_SIZE

DATA = os.urandom(3 * BLOCK_SIZE + 1000)
SHA = hashlib.sha256(DATA).hexdigest()


class Trickle(io.RawIOBase):
    """A stream that returns at most 1000 bytes per read, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._data.readinto(buffer[:1000])


def test_each_digest_covers_the_asset_up_to_the_end_of_its_block() -> None:
    digests = blocks.digests_of(DATA)
    assert len(digests) == 4 == blocks.block_count(len(DATA))
    for index, digest in enumerate(digests):
        end = blocks.block_end(index, len(DATA))
        assert digest == hashlib.sha256(DATA[:end]).digest()
    assert digests[-1].hex() == SHA  # the last one is the asset's own sha256


def test_files_streams_and_bytes_give_the_same_digests(tmp_path: Path) -> None:
    path = tmp_path / "asset"
    path.write_bytes(DATA)
    expected = blocks.digests_of(DATA)
    assert blocks.digests_of_file(path) == expected
    assert blocks.digests_of_stream(io.BytesIO(DATA)) == expected
    assert blocks.digests_of_stream(Trickle(DATA)) == expected  # short reads still fill blocks


@pytest.mark.parametrize(
    ("size", "count"),
    [(0, 0), (1, 1), (BLOCK_SIZE, 1), (BLOCK_SIZE + 1, 2), (4 * BLOCK_SIZE, 4)],
)
def test_block_count(size: int, count: int) -> None:
    assert blocks.block_count(size) == count


def test_only_assets_of_more_than_four_blocks_use_them() -> None:
    assert not blocks.worth_blocks(4 * BLOCK_SIZE)
    assert blocks.worth_blocks(4 * BLOCK_SIZE + 1)


def test_the_wire_form_is_the_raw_digests_concatenated() -> None:
    digests = blocks.digests_of(DATA)
    wire = blocks.encode(digests)
    assert wire == b"".join(digests) and len(wire) == 4 * 32
    assert blocks.decode(wire) == digests
    assert blocks.decode(b"") == []


def test_malformed_wire_forms_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number"):
        blocks.decode(b"\0" * 33)
    with pytest.raises(ValueError):
        blocks.encode([b"short"])


def test_a_list_is_trusted_only_when_it_is_the_assets() -> None:
    digests = blocks.digests_of(DATA)
    assert blocks.describes(digests, len(DATA), SHA)
    assert not blocks.describes(digests[:-1], len(DATA), SHA)  # too short
    assert not blocks.describes([*digests, digests[-1]], len(DATA), SHA)  # too long
    assert not blocks.describes(digests, len(DATA) + BLOCK_SIZE, SHA)  # another size
    assert not blocks.describes(digests, len(DATA), "0" * 64)  # another asset
    assert not blocks.describes([*digests[:-1], b"\0" * 31], len(DATA), SHA)
    assert blocks.describes([], 0, hashlib.sha256(b"").hexdigest())
