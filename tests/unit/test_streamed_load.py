"""Large delimited files are parsed as they are read (`loading._read_streamed`), never
held whole, with the hash of exactly the bytes parsed.

Whatever path a file takes, `read_raw` must give the frame the whole-file C parser
gives and the SHA-256 of the file's bytes; a file that is not plain after its first
MiB (a quote, a ragged row, bad UTF-8) must end as the whole-file reader ends it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import loading
from workbench.errors import InputError
from workbench.fileio import DigestingReader, read_upto

HEADER = "name,accuracy,latency_ms,cost_per_1k,owner\n"


def table(rows: int = 40_000) -> str:
    """About 1.6 MB of plain rows: more than the 1 MiB head."""
    rng = np.random.default_rng(7)
    acc = rng.uniform(50, 99, rows).round(4)
    lat = rng.integers(1, 900, rows)
    cost = rng.lognormal(0, 1, rows).round(6)
    body = "".join(f"model {i},{a},{t},{c},team {i % 7}\n"
                   for i, (a, t, c) in enumerate(zip(acc, lat, cost, strict=True)))
    return HEADER + body


def spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each `_read_streamed` call answered (True) or sent the file to the
    whole-file reader (False)."""
    answers: list[bool] = []
    real = loading._read_streamed

    def wrapped(*args: object) -> object:
        out = real(*args)  # type: ignore[arg-type]
        answers.append(out is not None)
        return out

    monkeypatch.setattr(loading, "_read_streamed", wrapped)
    return answers


def check_same_as_whole(path: Path, data: bytes) -> None:
    raw, digest = loading.read_raw(path)
    assert digest == hashlib.sha256(data).hexdigest()
    expected = loading._read_delimited(data, str(path), None if path.suffix == ".csv" else "\t",
                                       fast=False)
    pd.testing.assert_frame_equal(raw, expected, check_exact=True)
    assert raw.attrs == expected.attrs


@pytest.mark.parametrize(("case", "streamed"), [
    ("plain", True),
    ("bom", True),                # the hash includes the BOM; the parser never sees it
    ("crlf", True),
    ("tsv", True),
    ("quote_after_head", False),  # a quote only the stream sees: read whole, C parser
    ("semicolon", False),
    ("integer_like_names", True),
])
def test_a_large_file_reads_as_the_whole_file_reader_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, streamed: bool) -> None:
    text = table()
    suffix = ".csv"
    if case == "crlf":
        text = text.replace("\n", "\r\n")
    elif case == "tsv":
        text, suffix = text.replace(",", "\t"), ".tsv"
    elif case == "quote_after_head":
        lines = text.splitlines(keepends=True)
        lines[-3] = lines[-3].replace("model", '"model', 1).replace(",", '",', 1)
        text = "".join(lines)
    elif case == "semicolon":
        text = text.replace(",", ";")
    elif case == "integer_like_names":
        text = text.replace("model ", "")  # names 0, 1, 2...: read as text, typed by cell
    data = text.encode()
    if case == "bom":
        data = b"\xef\xbb\xbf" + data
    assert len(data) > loading._HEAD
    path = tmp_path / f"t{suffix}"
    path.write_bytes(data)
    answers = spy(monkeypatch)
    check_same_as_whole(path, data)
    assert answers == [streamed]


def test_a_small_file_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (HEADER + "a,90,10,1,x\n").encode()
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    answers = spy(monkeypatch)
    check_same_as_whole(path, data)
    assert answers == []


@pytest.mark.parametrize(("tail", "message"), [
    ("late,90,10\n", "line 40002: ragged row: expected 5 fields (as in the header), found 3"),
    ("caf\xe9,90,10,1,x\n", "bytes are not valid UTF-8 at byte"),
])
def test_a_bad_row_after_the_head_is_the_whole_file_readers_error(
        tmp_path: Path, tail: str, message: str) -> None:
    # The stream stops being sure (arrow's error, or bytes that are no UTF-8 text),
    # the file is read whole, and the error names the line or byte as before.
    data = table().encode() + tail.encode("latin-1")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        loading.read_raw(path)


# ---- DigestingReader


def test_the_reader_hands_out_whole_blocks_and_hashes_them(tmp_path: Path) -> None:
    data = b"0123456789" * 1000 + b'"' + b"x" * 100  # 10,101 bytes, a quote near the end
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        head = read_upto(fd, 1000, str(path))
        reader = DigestingReader(fd, str(path), head, skip=3, watch=b'"')
        blocks = []
        while block := reader.read(4096):
            blocks.append(block)
            assert not reader.seen or len(b"".join(blocks)) > 10_000
        # Full blocks until the last (arrow refuses a row spread over three blocks).
        assert [len(b) for b in blocks] == [4096, 4096, len(data) - 3 - 8192]
        assert b"".join(blocks) == data[3:]
        assert reader.done and reader.seen
        assert reader.hexdigest() == hashlib.sha256(data).hexdigest()  # skip is hashed too
    finally:
        os.close(fd)


def test_the_reader_reads_the_rest_at_once_and_says_when_the_end_came(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abcdefgh")
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = DigestingReader(fd, str(path), read_upto(fd, 3, str(path)))
        assert reader.read(3) == b"abc" and not reader.done
        assert reader.read(5) == b"defgh" and not reader.done  # exactly full: not yet
        assert reader.read(-1) == b"" and reader.done
        assert reader.hexdigest() == hashlib.sha256(b"abcdefgh").hexdigest()
        assert not reader.seen  # nothing watched
    finally:
        os.close(fd)


def test_a_first_row_cut_by_the_head_is_not_judged_by_its_start(tmp_path: Path) -> None:
    # Blank lines push the first row across the head's end: "m0,0.5,+" is all the head
    # holds of "m0,0.5,+4". Judged by that prefix, the column was read as floats; the
    # C parser reads +4, +2, +3 as integers. Only the head's whole lines count.
    header = "name,acc,lat\n"
    cut_row = "m0,0.5,+"
    filler = "\n" * (loading._HEAD + 1 - len(header) - len(cut_row))
    rows = "".join(f"m{i},0.1,+{2 + i % 2}\n" for i in range(1, 20_000))
    data = (header + filler + cut_row + "4\n" + rows).encode()
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    raw, _ = loading.read_raw(path)
    assert raw["lat"].dtype == np.int64 and raw["lat"].iloc[0] == 4
    check_same_as_whole(path, data)
