"""BlockVerifier: one sha256 pass that also checks each block, in the caller's thread or its own."""

from __future__ import annotations

import hashlib
import os

from app.sync.verifier import BlockVerifier
from wire import blocks
from wire.blocks import BLOCK_SIZE

DATA = os.urandom(5 * BLOCK_SIZE + 999)
DIGESTS = blocks.digests_of(DATA)


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_chunks_of_any_size_hash_to_the_asset() -> None:
    for size in (1000, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE):
        verifier = BlockVerifier(len(DATA), DIGESTS)
        assert all(verifier.update(c) is None for c in chunks(DATA, size))
        assert verifier.hexdigest() == hashlib.sha256(DATA).hexdigest()
        assert verifier.position == len(DATA)


def test_a_bad_block_is_reported_and_forgotten() -> None:
    bad = bytearray(DATA)
    bad[2 * BLOCK_SIZE + 3] ^= 1
    verifier = BlockVerifier(len(DATA), DIGESTS)
    results = []
    for chunk in chunks(bytes(bad), 100_000):
        results.append(verifier.update(chunk))
        if results[-1] is not None:
            break
    assert results == [None] * 7 + [2]  # the 8th chunk completes block 2
    assert verifier.position == 2 * BLOCK_SIZE  # back at the bad block's start...
    assert all(verifier.update(c) is None for c in chunks(DATA[2 * BLOCK_SIZE :], 100_000))
    assert verifier.hexdigest() == hashlib.sha256(DATA).hexdigest()  # ...its hash too


def test_without_digests_it_only_hashes() -> None:
    verifier = BlockVerifier(len(DATA), None)
    assert verifier.update(b"\0" * len(DATA)) is None
    assert verifier.hexdigest() == hashlib.sha256(b"\0" * len(DATA)).hexdigest()


def test_the_background_thread_gives_the_same_answers() -> None:
    bad = bytearray(DATA)
    bad[4 * BLOCK_SIZE] ^= 1
    verifier = BlockVerifier(len(DATA), DIGESTS)
    results = []
    for chunk in chunks(bytes(bad), BLOCK_SIZE):
        verifier.submit([chunk])
        results.append(verifier.wait())
    verifier.close()
    assert results == [None] * 4 + [4, None]
    verifier.restart()
    for chunk in chunks(DATA, BLOCK_SIZE):
        verifier.submit([chunk])
        assert verifier.wait() is None
    verifier.close()
    assert verifier.hexdigest() == hashlib.sha256(DATA).hexdigest()
