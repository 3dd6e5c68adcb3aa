"""Streamed writes (`atomic_write_bytes` of pieces): every byte in order, whether the
blocks go to the disk directly or through the page cache, and every failure an
InputError that leaves the previous file and no temporary behind."""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench import atomic
from workbench.atomic import atomic_write_bytes
from workbench.errors import InputError

BLOCK = 3 * 4096  # a small block (a multiple of 4096, as direct I/O needs) for the tests


@pytest.fixture(autouse=True)
def small_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_BLOCK", BLOCK)


def pieces_of(total: int, seed: int) -> list[bytes | memoryview]:
    """`total` random bytes cut at random places, as bytes and as memoryviews of the
    kinds the exporters hand over (arrow buffers are 'b' views)."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, total, dtype=np.uint8).tobytes()
    cuts = np.sort(rng.integers(0, total + 1, 6)) if total else np.array([], dtype=int)
    bounds = [0, *cuts.tolist(), total]
    out: list[bytes | memoryview] = []
    for k, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        part = data[lo:hi]
        out.append(memoryview(part).cast("b") if k % 2 else part)
    return out


def direct_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Record each os.write as (length, whether O_DIRECT was set on the file then)."""
    import fcntl

    seen: list[tuple[int, bool]] = []
    real = os.write

    def write(fd: int, data: memoryview | bytes) -> int:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        seen.append((len(data), bool(flags & getattr(os, "O_DIRECT", 0))))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    return seen


@pytest.mark.parametrize("total", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, 4 * BLOCK + 17])
def test_the_file_holds_every_piece_in_order(tmp_path: Path, total: int) -> None:
    pieces = pieces_of(total, total)
    target = tmp_path / "out.json"
    atomic_write_bytes(target, iter(pieces))
    assert target.read_bytes() == b"".join(bytes(p) for p in pieces)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="direct I/O is a Linux feature")
def test_whole_blocks_go_directly_and_the_tail_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = direct_writes(monkeypatch)
    pieces = pieces_of(3 * BLOCK + 100, 1)
    atomic_write_bytes(tmp_path / "out.json", iter(pieces))
    assert (tmp_path / "out.json").read_bytes() == b"".join(bytes(p) for p in pieces)
    probe = os.open(tmp_path / "probe", os.O_WRONLY | os.O_CREAT)
    try:
        accepted = atomic._set_direct(probe, os.O_DIRECT, True)
    finally:
        os.close(probe)
    if accepted:
        assert seen == [(BLOCK, True)] * 3 + [(100, False)]
    else:  # a file system that refuses direct I/O: every byte through the cache
        assert seen == [(BLOCK, False)] * 3 + [(100, False)]


def test_a_stream_shorter_than_a_block_never_asks_for_direct_io(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(atomic, "_set_direct", lambda fd, flag, on: asked.append(on) or True)
    atomic_write_bytes(tmp_path / "out.json", iter(pieces_of(BLOCK - 1, 2)))
    atomic_write_bytes(tmp_path / "s.toml", b"x" * (2 * BLOCK))  # bytes: never streamed
    assert asked == []


def test_refused_direct_io_writes_everything_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_set_direct", lambda fd, flag, on: False)
    pieces = pieces_of(2 * BLOCK + 5, 3)
    atomic_write_bytes(tmp_path / "out.json", iter(pieces))
    assert (tmp_path / "out.json").read_bytes() == b"".join(bytes(p) for p in pieces)


@pytest.mark.parametrize("answer", ["einval", "eopnotsupp", "short"])
def test_a_block_the_disk_refuses_or_cuts_short_is_written_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    # Direct I/O accepted by the file system, then the first direct write refused
    # (EINVAL: the device wants another alignment) or cut short: the rest, from where
    # the disk stopped, goes through the cache, and the file is whole.
    state = {"direct": False, "refused": False}
    monkeypatch.setattr(atomic, "_set_direct",
                        lambda fd, flag, on: state.update(direct=on) or True)
    real = os.write

    def write(fd: int, data: memoryview | bytes) -> int:
        if state["direct"] and not state["refused"]:
            state["refused"] = True
            if answer == "einval":
                raise OSError(errno.EINVAL, "Invalid argument")
            if answer == "eopnotsupp":  # a file system that takes the flag, not the writes
                raise OSError(errno.EOPNOTSUPP, "Operation not supported")
            return real(fd, data[:4096])
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    pieces = pieces_of(3 * BLOCK + 9, 4)
    atomic_write_bytes(tmp_path / "out.json", iter(pieces))
    assert state["refused"]
    assert (tmp_path / "out.json").read_bytes() == b"".join(bytes(p) for p in pieces)


def failing_write(after: int, error: BaseException, short: bool = False) -> object:
    """An os.write that takes `after` bytes (the first call only 4096 of them when
    `short`), then raises `error`."""
    real = os.write
    taken = [0, short]

    def write(fd: int, data: memoryview | bytes) -> int:
        if taken[0] >= after:
            raise error
        if taken[1]:
            taken[1] = False
            data = data[:4096]
        n = real(fd, data)
        taken[0] += n
        return n

    return write


@pytest.mark.parametrize(("size", "after", "short"), [
    (3 * BLOCK, BLOCK, False),       # a full disk at the second whole block
    (100, 0, False),                 # a stream shorter than a block: the tail write fails
    (2 * BLOCK + 5, 2 * BLOCK, False),  # the tail after two whole blocks
    (3 * BLOCK, 4096, True),         # a short direct write, then the rest through the cache
])
def test_every_failed_write_is_an_input_error_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, after: int,
        short: bool) -> None:
    # Whichever write fails (a whole block, the tail, a write after a short one), the
    # user gets the one-line InputError, not a BufferError from a block still in use.
    target = tmp_path / "out.json"
    target.write_bytes(b"the previous export")
    monkeypatch.setattr(os, "write",
                        failing_write(after, OSError(errno.ENOSPC, "No space left on device"),
                                      short))
    with pytest.raises(InputError, match="cannot write: No space left"):
        atomic_write_bytes(target, iter(pieces_of(size, size)))
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_ctrl_c_during_a_write_stays_a_keyboard_interrupt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"the previous export")
    monkeypatch.setattr(os, "write", failing_write(0, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, iter(pieces_of(100, 6)))
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_write_that_takes_nothing_is_an_error_not_a_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    with pytest.raises(InputError, match="took none of the bytes"):
        atomic_write_bytes(tmp_path / "out.json", iter(pieces_of(100, 7)))
    assert list(tmp_path.iterdir()) == []


def test_an_error_in_the_stream_itself_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    # The exporter raising halfway (an input error found late): nothing replaced.
    target = tmp_path / "out.json"
    target.write_bytes(b"the previous export")

    def stream() -> Iterator[bytes]:
        yield b"x" * (2 * BLOCK)
        raise InputError("bad row 7")

    with pytest.raises(InputError, match="bad row 7"):
        atomic_write_bytes(target, stream())
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
