"""Read a candidate table from CSV, TSV, JSON or Parquet into canonical columns.

The loader is strict about values and lenient about shape: headers are matched
forgivingly (see `columns`), units are converted, and then every value is checked so
that a bad cell stops the load with the file, row and column named. A table that
loads is a table the analysis can trust.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.arrow_bytes import cell_ends, string_bytes, surely_distinct
from workbench.columns import (
    CANONICAL,
    DERIVED,
    MAX_COLUMNS,
    OPTIONAL,
    PRICING_NUMERIC,
    REQUIRED,
    candidates_for,
    match_headers,
    missing_cost_hint,
    priced_elsewhere,
    snake,
)
from workbench.errors import InputError, Note
from workbench.fileio import DigestingReader, open_input, read_rest, read_upto
from workbench.fmt import clip
from workbench.parse import MAX_MAGNITUDE, parse_column

TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".json", ".parquet", ".pq"}


@dataclass
class LoadedTable:
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    sha256: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> source header


def file_sha256(path: Path, label: str | None = None) -> str:
    """SHA-256 of a regular file (FIFOs and devices are refused, never read)."""
    digest = hashlib.sha256()
    fd = open_input(path, label)
    with os.fdopen(fd, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_table(path: str | Path, mapping: dict[str, str] | None = None) -> LoadedTable:
    """Load and validate a candidate table; raise InputError naming what is wrong."""
    path = Path(path)
    label = str(path)
    raw, digest = read_raw(path, mapping)
    frame, notes, used = canonicalize(raw, label, mapping)
    return LoadedTable(frame, notes, path, digest, used)


def read_raw(path: str | Path, mapping: dict[str, str] | None = None
             ) -> tuple[pd.DataFrame, str]:
    """(the table as its file has it, with its own headers; sha256 of the file's bytes).

    The one reader of table files: `load_table` canonicalizes its result and the TUI's
    column-mapping dialog lists its headers, so both see the same columns. In a
    delimited file the column of candidate names (as the header matcher finds it,
    with `mapping`) stays text: "007" is not 7, nor "1.50" the same name as "1.5".
    """
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        if path.is_dir():
            raise InputError("is a folder, not a table file", source=label)
        raise InputError(
            f"unknown file type {suffix or '(none)'}; expected .csv, .tsv, .json or .parquet",
            source=label,
        )
    delimited = suffix not in {".parquet", ".pq", ".json"}
    delimiter = "\t" if suffix in {".tsv", ".tab"} else None
    # FIFOs, devices, folders and unreadable files are refused before anything is
    # opened for reading.
    fd = open_input(path, label, what="table file")
    try:
        data = read_upto(fd, _HEAD + 1, label) if delimited else read_rest(fd, label)
        if delimited and len(data) > _HEAD:
            # A large delimited file: a plain one is parsed as it is read, never held
            # whole (see `_read_streamed`); any other is read whole below.
            streamed = _read_streamed(fd, data, label, delimiter, mapping)
            if streamed is not None:
                return streamed
            os.lseek(fd, 0, os.SEEK_SET)
            data = read_rest(fd, label)
    finally:
        os.close(fd)
    if not data:
        raise InputError("the file is empty", source=label)
    # The bytes read serve the parser and the hash, which runs beside the parser
    # (hashlib lets go of the GIL on large data). (A large file that turned out not
    # to be plain after its head is read a second time here, from its start.)
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        if suffix in {".parquet", ".pq"}:
            raw = _read_parquet(data, label)
        elif suffix == ".json":
            raw = _read_json(data, label)
        else:
            raw = _read_delimited(data, label, delimiter, mapping=mapping)
        return raw, digest.result()


# A delimited file's first this many bytes settle its layout (header, delimiter).
_HEAD = 1 << 20


def _read_streamed(fd: int, head: bytes, label: str, delimiter: str | None,
                   mapping: dict[str, str] | None = None) -> tuple[pd.DataFrame, str] | None:
    """(frame, sha256) of a plain delimited file parsed by arrow as it is read from
    `fd` (positioned after `head`, its first bytes), or None when it is not plain (see
    `_read_plain_csv`) or its first lines do not settle its layout: the caller then
    reads it whole. The file's text is never in memory whole (73 MB for a million
    rows), and the hash is of exactly the bytes parsed."""
    layout = _layout(head, label, delimiter, whole=False)
    if layout is None or layout[0] == ";":
        return None
    stream = DigestingReader(fd, label, head, skip=3 if head.startswith(_BOM) else 0,
                             watch=b'"')
    frame = _read_plain_csv(head, layout[0], layout[2], stream=stream,
                            names=_name_header(layout[2], mapping))
    return None if frame is None else (frame, stream.hexdigest())


def _read_parquet(data: bytes, label: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pyarrow's many error types all mean "not Parquet"
        raise InputError(f"cannot read as Parquet: {clip(str(exc), 200)}", source=label) from None


def decode_text(data: bytes, label: str) -> str:
    try:
        # utf-8-sig strips a BOM that Excel likes to add.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"bytes are not valid UTF-8 at byte {exc.start} "
            f"(0x{data[exc.start]:02x}); save the file as UTF-8",
            source=label,
            line=line,
        ) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of repeated keys; in a record that hides a value.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_json(text: str, label: str) -> Any:
    """json.loads that refuses repeated keys, deep nesting and giant integers."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=label, line=exc.lineno) from None
    except _DuplicateKey as exc:
        raise InputError(
            f"key {clip(exc.key, 60)!r} appears twice in one object; keys must be unique",
            source=label,
        ) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", source=label) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputError(f"invalid JSON: {clip(str(exc), 120)}", source=label) from None


def _read_json(data: bytes, label: str) -> pd.DataFrame:
    data_ = parse_json(decode_text(data, label), label)
    if isinstance(data_, dict):
        lists = [v for v in data_.values() if isinstance(v, list)]
        if len(lists) == 1:
            data_ = lists[0]
    if not isinstance(data_, list):
        raise InputError("expected a JSON list of records (objects)", source=label)
    if not data_:
        raise InputError("the JSON list is empty: no candidates", source=label)
    for i, rec in enumerate(data_, start=1):
        if not isinstance(rec, dict):
            raise InputError(
                f"expected an object, found {type(rec).__name__}", source=label, row=i
            )
        for key, value in rec.items():
            if isinstance(value, (dict, list)):
                raise InputError(
                    f"a cell must be a number or a string, got {type(value).__name__}",
                    source=label, row=i, column=key,
                )
    return pd.DataFrame.from_records(data_)


def _csv_rows(lines: Any, delimiter: str) -> Any:
    """csv.reader over `lines` as the C parser splits them (skipinitialspace), with no
    limit on a field's size: Python's csv refuses a field over 128 KiB by default,
    which the parsers read, so a long header or cell would stop the load as an
    internal error. (The limit is the csv module's, process-wide; raising it changes
    nothing else workbench reads.)"""
    if csv.field_size_limit() < _FIELD_MAX:
        csv.field_size_limit(_FIELD_MAX)
    return csv.reader(lines, delimiter=delimiter, skipinitialspace=True)


_FIELD_MAX = 2**31 - 1  # the largest a C long holds everywhere


def _name_header(headers: list[str], mapping: dict[str, str] | None) -> str | None:
    """The header the matcher reads as the candidates' names, if any."""
    match = match_headers(headers, mapping)[0].get("name")
    return None if match is None else match.header


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _layout(data: bytes, label: str, delimiter: str | None, *, whole: bool = True
            ) -> tuple[str, str, list[str], str | None] | None:
    """(delimiter, header line, headers, the file's text if it was decoded) of a
    delimited file, from its first 50 lines; raises on a repeated header. `whole=False`:
    `data` is only the file's first bytes, and None says more of it is needed."""
    # The header and the delimiter come from the first 50 lines: a large file is only
    # decoded whole when the C parser reads it (arrow checks the UTF-8 of the rest).
    head = _head_text(data)
    lines = _head_lines(head, 50) if head is not None else []
    text: str | None = None
    if head is None or len(lines) < 50 or not any(ln.strip() for ln in lines):
        if not whole:
            return None
        text = decode_text(data, label)
        if not text or text.isspace():  # (not text.strip(), without copying the text)
            raise InputError("the file is empty", source=label)
        lines = _head_lines(text, 50)
    header_line = next((ln for ln in lines if ln.strip()), None)
    if header_line is None:  # 50 blank lines first: look at all of them
        assert text is not None
        header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    sniffed = _sniff_delimiter("\n".join(lines))
    if delimiter is None:
        delimiter = sniffed
    raw_headers: list[str] = next(_csv_rows([header_line], delimiter), [])
    seen: set[str] = set()
    for header in raw_headers:
        if header.strip() and header.strip() in seen:
            raise InputError(
                f"header {header.strip()!r} appears twice; headers must be unique",
                source=label,
                line=1,
            )
        seen.add(header.strip())
    return delimiter, header_line, raw_headers, text


def _read_delimited(data: bytes, label: str, delimiter: str | None, *, fast: bool = True,
                    mapping: dict[str, str] | None = None) -> pd.DataFrame:
    layout = _layout(data, label, delimiter)
    assert layout is not None  # (the whole file settles it)
    delimiter, header_line, raw_headers, text = layout
    names = _name_header(raw_headers, mapping)
    plain = (_read_plain_csv(data, delimiter, raw_headers, names=names)
             if fast and delimiter != ";" else None)
    if plain is not None:
        return plain
    if text is None:
        text = decode_text(data, label)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                # The bytes, not the text: the parser would encode the text again.
                # (They are valid UTF-8: decode_text said so.)
                io.BytesIO(data),
                encoding="utf-8-sig",
                sep=delimiter,
                keep_default_na=False,
                index_col=False,
                skipinitialspace=True,
                engine="c",
                # In a semicolon file "1.250" may be 1250: every cell stays text so the
                # number grammar decides per column (see workbench.parse).
                dtype=str if delimiter == ";" else None if names is None else {names: str},
            )
    except pd.errors.ParserError as exc:
        msg = str(exc)
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            raise InputError(
                f"ragged row: expected {m.group(1)} fields (as in the header), found {m.group(3)}",
                source=label,
                line=int(m.group(2)),
            ) from None
        raise InputError(f"cannot parse: {msg}", source=label) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", source=label) from None
    if frame.shape[1] == 1:
        other = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        found = [name for d, name in other.items() if d != delimiter and d in header_line]
        hint = (
            f"; the header contains {found[0]}s: is the file {found[0]}-delimited?"
            if found
            else ""
        )
        raise InputError(
            f"found a single column {clip(str(frame.columns[0]), 60)!r} using "
            f"{other.get(delimiter, repr(delimiter))} as delimiter{hint}",
            source=label,
        )
    # Short rows leave NaN in the last column (blank cells are "" here, not NaN), so the
    # slower row-by-row scan only runs when there is something to find. (A numeric
    # column holds no "": it is not turned into text to look.)
    last = frame.iloc[:, -1]
    blank = False if pd.api.types.is_numeric_dtype(last) else bool(
        (last.astype(object) == "").any())
    if caught or blank or bool(last.isna().any()):
        _check_short_rows(text, delimiter, frame.shape[1], label)
    if delimiter == ";":
        # Semicolon files come from locales where the comma is the decimal mark.
        frame.attrs["decimal_comma"] = True
    return frame


_BOM = b"\xef\xbb\xbf"  # the UTF-8 byte order mark Excel likes to add

# Text cells the C parser may read as a number or a boolean in its own way: a column
# of nothing else is left to it.
# (The space class is spelled out: the column-wide match is RE2's, whose \s lacks the
# vertical tab that Python's \s and the C parser's number reading both skip.)
_MAYBE_NUMBER = r"(?i)^([\t\n\v\f\r\x1c-\x1f ]*[+-]?([0-9]|\.[0-9]|inf|nan)|true$|false$|$)"


def _read_plain_csv(data: bytes, delimiter: str, headers: list[str], *,
                    stream: DigestingReader | None = None, names: str | None = None
                    ) -> pd.DataFrame | None:
    """The table as `pd.read_csv(engine="c", ...)` in `_read_delimited` reads it, parsed
    by arrow on all cores, or None when the file is not plain enough to be sure of
    that: quotes, a text cell or header that starts with a space (skipinitialspace), a
    blank or repeated header, a ragged row or any parse error, a number arrow reads
    but the C parser might not (inf, nan), a column the C parser might read as numbers
    or booleans in its own way. None sends the file to the C parser, which then also
    gives every error message (ragged rows with their line numbers).

    Arrow reads most columns straight to numbers or text, as the C parser types them:
    a column whose first cell is no integer cannot be integers to either parser, and
    arrow's float reading agrees with the C parser's on every cell both take (space
    and tab around a number included: both drop them); the cells only arrow takes
    (nan, inf) are refused after the read. A column whose first cell may be an integer
    is read as text and typed by `_plain_column`: there the parsers differ (arrow reads
    0x10 as 16, the C parser +4 as an integer), so the cells are looked at.

    `data` is the whole file, or with `stream` only its first bytes: arrow then reads
    the whole file from `stream`, which watches for quotes as it goes. The column
    `names` is text whatever its cells (the C parser reads it with dtype str)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b'"' in data or len(set(headers)) != len(headers) or any(
            not h or h != h.strip() for h in headers):
        return None
    body = data[3:] if data.startswith(_BOM) else data
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False,
                               ignore_empty_lines=True)
    # With a stream `body` is only the file's first bytes: its last line may be cut
    # short, so the first row is looked for in its whole lines only.
    first = _first_row(body if stream is None else body[:max(body.rfind(b"\n"),
                                                             body.rfind(b"\r")) + 1],
                       parse, headers)
    if first is None:
        return None
    as_text = {h: pa.string() for h, cell in zip(headers, first)
               if h == names or _INTEGER_LIKE.match(cell)}
    try:
        table = pacsv.read_csv(
            pa.PythonFile(stream, mode="r") if stream is not None else pa.BufferReader(body),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(
                column_types=as_text, include_columns=headers,
                # No cell is missing, true or false to arrow: "" and "NA" stay text
                # (keep_default_na=False), true/false stay text for `_plain_column`.
                null_values=[], true_values=[], false_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, KeyError, ValueError):
        return None
    if table.column_names != headers or table.num_rows == 0 or table.num_columns < 2:
        return None
    if stream is not None and (stream.seen or not stream.done):
        return None  # a quote after the first bytes (or the reading stopped short)
    read = [_plain_text(column, typed=False) if header == names
            else _plain_numbers(column) if column.type == pa.float64()
            else _plain_column(column) if header in as_text  # text that may be integers
            else _plain_text(column) if column.type == pa.string()
            else None  # int64 only from an integer first cell (read as text); dates: C
            for header, column in zip(headers, table.columns)]
    if any(column is None for column in read):
        return None
    # copy=False: the columns as made, one block each (consolidating a million rows
    # into one 2-D block is a copy nobody needs).
    return pd.DataFrame(dict(zip(headers, read)), copy=False)


# A first cell arrow or the C parser may read as an integer (sign, hex, space or tab
# around it): its column is read as text and typed cell by cell in `_plain_column`.
_INTEGER_LIKE = re.compile(r"[ \t]*[+-]?[0-9a-fA-FxX]+[ \t]*\Z")


def _first_row(body: bytes, parse: Any, headers: list[str]) -> list[str] | None:
    """The first data row's cells as arrow splits them (all text), from the file's
    first lines; None when no row follows the header or they do not parse."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    size = 1 << 16
    while True:
        cut = len(body) if size >= len(body) else max(body.rfind(b"\n", 0, size),
                                                      body.rfind(b"\r", 0, size)) + 1
        if cut > 0:
            try:
                head = pacsv.read_csv(
                    pa.BufferReader(body[:cut]), parse_options=parse,
                    convert_options=pacsv.ConvertOptions(
                        column_types={h: pa.string() for h in headers}, include_columns=headers,
                        strings_can_be_null=False, quoted_strings_can_be_null=False))
            except (pa.ArrowInvalid, pa.ArrowKeyError, KeyError, ValueError):
                return None
            if head.num_rows:
                return [column[0].as_py() for column in head.columns]
        if cut >= len(body):
            return None
        size *= 4


def _plain_numbers(column: Any) -> Any:
    """A column arrow read as float64 (its first cell is no integer), as a numpy array,
    or None when the C parser might read it otherwise."""
    values = column.to_numpy()
    # Two reductions settle nearly every column (NaN reaches both ends).
    top, bottom = float(np.max(values)), float(np.min(values))
    if not (math.isfinite(top) and math.isfinite(bottom)):
        return None  # inf or nan: the C parser's own business
    if max(abs(top), abs(bottom)) >= 2.0**53:
        # A value past 2**53 (every double there is whole) may be an integer literal,
        # which the C parser reads in its own way (int64, uint64 or text).
        return None
    return values


def _plain_column(column: Any) -> Any:
    """One column of `_read_plain_csv` as the C parser would type it (int64, float64
    or text), or None when that is not certain."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = column[0].as_py().lstrip("+-")
    number = _cast(column, pa.int64()) if first.isdigit() else None
    if number is not None and _has_byte(column, b"xX"):
        number = None  # arrow reads 0x1f as hex; the C parser reads text
    if number is None:
        # (An empty cell fails the cast: with keep_default_na=False the C parser
        # keeps such a column as text.)
        number = _cast(column, pa.float64())
        if number is not None and not pc.all(pc.is_finite(number)).as_py():
            return None  # inf or nan: the C parser's own business
        if number is not None:
            whole = pc.equal(pc.floor(number), number)
            # Integers that arrow's int64 cast refused (+4, 2**64): the C parser has
            # its own rules for them (int64, uint64 or text). "3.0" is a float to both.
            # (Every double past 2**53 is whole. A first cell that is no integer
            # literal, "1.0", settles the second test.)
            if pc.any(pc.greater_equal(pc.abs(number), 2.0**53)).as_py() or (
                    pc.all(whole).as_py() and re.fullmatch(r"[+-]?[0-9]+", column[0].as_py())
                    and pc.all(pc.match_substring_regex(column, r"^[+-]?[0-9]+$")).as_py()):
                return None
    if number is not None:
        # (Arrow's number casts refuse a cell with a space or tab around it, so a
        # column read as numbers has none: `_plain_text`'s check is for text only.)
        return number.to_numpy()
    return _plain_text(column)


def _plain_text(column: Any, *, typed: bool = True) -> Any:
    """A text column of `_read_plain_csv` (no number to arrow) as the C parser would
    read it, or None when that is not certain. `typed=False`: a column the C parser
    reads as text whatever it holds (dtype str)."""
    import pyarrow.compute as pc

    if any(((first == 32) | (first == 9)).any() for first, _ in cell_ends(column)):
        return None  # skipinitialspace would change this cell
    if not typed:
        return pd.array(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    # (A first cell that is no number settles it without a pass over the column.)
    if re.match(_MAYBE_NUMBER, column[0].as_py()) and pc.all(
            pc.match_substring_regex(column, _MAYBE_NUMBER)).as_py():
        return None
    return pd.array(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _has_byte(column: Any, chars: bytes) -> bool:
    """Whether any cell of an arrow string column holds one of `chars` (ASCII): a look
    at the column's bytes, a few times faster than a substring kernel per cell."""
    return any((b == c).any() for b in string_bytes(column) for c in chars)


def _cast(column: Any, to: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(column, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _head_text(data: bytes, size: int = 1 << 20) -> str | None:
    """The file's first `size` bytes up to their last line break, decoded; None when
    that is the whole file or they are not valid UTF-8 (the whole file is decoded then,
    and `decode_text` names the bad byte)."""
    if len(data) <= size:
        return None
    cut = data.rfind(b"\n", 0, size)
    if cut < 0:
        return None
    try:
        return data[: cut + 1].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _head_lines(text: str, count: int) -> list[str]:
    """`text.splitlines()[:count]` without splitting a 70 MB text into a million lines:
    the lines of a growing prefix, taken once the prefix holds more than `count` (so
    the first `count` are whole)."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        if size >= len(text) or len(lines) > count:
            return lines[:count]
        size *= 4


def _check_short_rows(text: str, delimiter: str, width: int, label: str) -> None:
    # pandas pads short rows with empty cells silently; a spreadsheet user expects a
    # dropped cell to be an error, not a zero. csv.reader runs in C, so this is cheap.
    # newline="": a lone CR ends a line here as it does for the parsers (else csv
    # refuses it as a line break inside a field).
    reader = _csv_rows(io.StringIO(text, newline=""), delimiter)
    for line_no, row in enumerate(reader, start=1):
        if row and len(row) != width:
            raise InputError(
                f"ragged row: expected {width} fields (as in the header), found {len(row)}",
                source=label,
                line=reader.line_num,
            )
        del line_no


_MISSING = ("", "nan", "na", "n/a", "null", "none")
# Extra columns (parameters, FLOPs) may be large; this still keeps squares and sums of
# them finite when they become criteria.
MAX_EXTRA_MAGNITUDE = 1e100


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings, missing cells as ""."""
    if isinstance(series.dtype, pd.StringDtype):  # already text: no round trip through objects
        return _stripped(series.fillna("") if bool(series.isna().any()) else series)
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def _stripped(text: pd.Series) -> pd.Series:
    """`text.str.strip()`; arrow text whose every cell starts and ends with a printable
    ASCII character is returned as it is, without a stripped copy (a look at each
    cell's first and last byte: whitespace is below 33 in ASCII and any byte of a
    non-ASCII character is above 127; a control character or an empty cell there
    only costs the strip)."""
    arrow = _arrow_text(text)
    if arrow is not None and not any(((b <= 32) | (b >= 128)).any()
                                     for ends in cell_ends(arrow) for b in ends):
        return text
    return text.str.strip()


def _parse_column(
    series: pd.Series,
    header: str,
    label: str,
    allow_blank: bool,
    decimal_comma: bool = False,
    *,
    percent: bool = False,
    limit: float = MAX_MAGNITUDE,
    notes: list[str] | None = None,
) -> pd.Series:
    """One column to float with the number grammar; raise naming the first bad cell.

    Blank cells are NaN where `allow_blank`, else an error. Booleans are refused: a
    TRUE/FALSE column is not a measurement, and reading it as 1/0 would be a guess.
    """
    if pd.api.types.is_bool_dtype(series):
        raise InputError(
            "holds true/false values; expected numbers", source=label, row=1, column=header
        )
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        blank = np.isnan(values)
        if blank.any() and not allow_blank:
            row = int(np.flatnonzero(blank)[0]) + 1
            raise InputError("missing value (empty or NaN)", source=label, row=row, column=header)
        # copy=False: the column is a read-only view of the raw frame's array, which
        # nothing writes to (the raw frame is dropped; edits copy the frame first).
        if _within(values, -limit, limit):
            return pd.Series(values, index=series.index, copy=False)
        with np.errstate(invalid="ignore"):
            out = ~blank & ~(np.abs(values) <= limit)
        if out.any():
            row = int(np.flatnonzero(out)[0])
            raise InputError(
                f"{values[row]:g} is out of range: numbers must be at most {limit:g} in size",
                source=label, row=row + 1, column=header,
            )
        return pd.Series(values, index=series.index, copy=False)
    kinds = {type(v) for v in series.dropna().tolist()[:1000]} if series.dtype == object else set()
    if bool in kinds or np.bool_ in kinds:
        raise InputError(
            "holds true/false values; expected numbers", source=label, row=1, column=header
        )
    text = _text(series)
    missing = text.str.lower().isin(_MISSING).to_numpy()
    if missing.any() and not allow_blank:
        row = int(np.flatnonzero(missing)[0]) + 1
        raise InputError("missing value (empty or NaN)", source=label, row=row, column=header)
    parsed = parse_column(text.where(~missing, ""), decimal_comma=decimal_comma,
                          percent=percent, limit=limit)
    if parsed.error is not None:
        row, message = parsed.error
        raise InputError(message, source=label, row=row + 1, column=header)
    if notes is not None:
        if parsed.reading == "comma" and not decimal_comma:
            notes.append(Note("decimal_comma",
                              f"{header!r}: read with decimal commas (e.g. '0,5' = 0.5)"))
        if parsed.ambiguous is not None:
            sep = "." if parsed.reading == "comma" else ","
            notes.append(Note(
                "thousands_separator",
                f"{header!r}: {clip(parsed.ambiguous, 30)!r} read with {sep!r} as a thousands "
                f"separator (the column's decimal mark is "
                f"{'comma' if parsed.reading == 'comma' else 'point'})"
            ))
    column = pd.Series(parsed.values, index=series.index, copy=False)
    if parsed.percent:
        column.attrs["percent_strings"] = True
    return column


def _within(values: np.ndarray, low: float, high: float) -> bool:
    """Every value that is not NaN lies in [low, high] (inf does not). Two reductions
    and no mask: a million-row column is checked without a temporary array; the masks
    that name the first bad row are only made when this says no."""
    if values.size == 0:
        return True
    with np.errstate(invalid="ignore"):
        top, bottom = np.fmax.reduce(values), np.fmin.reduce(values)
    if np.isnan(top):  # every value NaN
        return True
    return bool(low <= bottom and top <= high)


def _is_numeric_like(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    text = _text(series)
    present = text[~text.str.lower().isin(_MISSING)]
    if present.empty:
        return False
    parsed = parse_column(present.reset_index(drop=True), percent=True, limit=math.inf)
    return parsed.error is None or "out of range" in parsed.error[1]


def name_key(name: str) -> str:
    """The identity of a candidate name: NFC-normalised with invisible format characters
    (zero-width spaces, bidi marks) removed and outer whitespace stripped, so two names
    that look the same are the same candidate."""
    text = unicodedata.normalize("NFC", str(name))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def name_keys(names: pd.Series) -> pd.Series:
    """`name_key` of every name; ASCII names (nearly all) skip the per-name Python."""
    if isinstance(names.dtype, pd.StringDtype):
        text = names.fillna("") if bool(names.isna().any()) else names
    else:
        text = names.astype(object).where(names.notna(), "").astype(str)
    arrow = _arrow_text(text)
    if arrow is not None and all(int(b.max(initial=0)) < 0x80 for b in string_bytes(arrow)):
        return _stripped(text)  # every name ASCII: its key is the name stripped
    keys = text.str.strip()
    special = ~text.str.isascii().to_numpy(dtype=bool)
    if special.any():
        at = np.flatnonzero(special)
        out = keys.to_numpy(dtype=object, copy=True)
        out[at] = [name_key(n) for n in text.iloc[at]]
        keys = pd.Series(out, index=keys.index, name=keys.name, dtype=object)
    return keys


def _arrow_text(series: pd.Series) -> Any:
    """The arrow array under a pandas column of arrow-backed text without missing
    cells (no copy), else None."""
    dtype = series.dtype
    if (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
            and not bool(series.isna().any())):
        return series.array.__arrow_array__()
    return None


def check_names(names: pd.Series, label: str, column: str = "name") -> None:
    """Refuse empty and duplicate names (duplicates compared by `name_key`)."""
    keys = name_keys(names)
    empty = (keys == "").to_numpy()
    if empty.any():
        row = int(np.flatnonzero(empty)[0]) + 1
        raise InputError("empty candidate name", source=label, row=row, column=column)
    # Arrow text (the loader's names): sorted digests of the bytes settle it without a
    # Python string per name. Else, or when two digests are equal, one hash pass (an
    # Index builds its table faster than Series.is_unique: 0.11 against 0.18 s for a
    # million names); the rows are only looked for when that fails.
    arrow = _arrow_text(keys)
    if arrow is not None and surely_distinct(arrow):
        return
    if pd.Index(keys).is_unique:
        return
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = keys.iloc[rows[0]]
        same = [int(r) + 1 for r in rows if keys.iloc[r] == first]
        shown = names.iloc[rows[0]]
        looks = ("" if names.iloc[same[1] - 1] == shown
                 else " (they differ only in invisible characters)")
        raise InputError(
            f"duplicate candidate name {clip(str(shown), 60)!r} in rows "
            f"{', '.join(map(str, same[:10]))}{looks}; names must be unique",
            source=label,
            row=same[1],
            column=column,
        )


def canonicalize(
    raw: pd.DataFrame, label: str, mapping: dict[str, str] | None = None, *, guess: bool = True
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Rename, convert and validate a raw table. Returns (frame, notes, mapping used).

    `guess=False`: no header is read as a column it merely resembles (see
    `columns.match_headers`); the tracker importers use it."""
    headers = [str(h) for h in raw.columns]
    if len(headers) > MAX_COLUMNS:
        raise InputError(
            f"has {len(headers):,} columns; a candidate table may have at most "
            f"{MAX_COLUMNS:,}", source=label,
        )
    decimal_comma = bool(raw.attrs.get("decimal_comma"))
    # A shallow copy: the columns are only read (copy-on-write guards the caller's).
    raw = raw.set_axis(headers, axis=1)
    if raw.empty or len(raw) == 0:
        raise InputError("no rows after the header: no candidates", source=label)
    mapping = dict(mapping or {})
    for column, header in mapping.items():
        if column not in CANONICAL:
            raise InputError(
                f"--map {column}=...: {column!r} is not a column we map; "
                f"choose one of {', '.join(CANONICAL)}",
                source=label,
            )
        if header not in headers:
            raise InputError(
                f"--map {column}={header!r}: no such header; headers found: "
                + ", ".join(repr(h) for h in headers),
                source=label,
            )
    matches, notes = match_headers(headers, mapping, guess=guess)
    # A price sheet (prices per token, per instance-hour, a catalogue reference) needs
    # no cost_per_1k column: the pricing engine derives it at the workload.
    priced = priced_elsewhere([*matches, *(snake(h) for h in headers)])
    missing = [c for c in REQUIRED if c not in matches and not (c == "cost_per_1k" and priced)]
    if missing:
        parts = []
        for column in missing:
            near = candidates_for(column, headers)
            hint = f" (maybe {', '.join(repr(h) for h in near)}?)" if near else ""
            cost_hint = missing_cost_hint(headers) if column == "cost_per_1k" else None
            parts.append(f"{column}{hint}" + (f" ({cost_hint})" if cost_hint else ""))
        raise InputError(
            "missing required column(s): "
            + "; ".join(parts)
            + ". Headers found: "
            + ", ".join(repr(h) for h in headers)
            + ". Use --map COLUMN=\"Header\" to say which header is which.",
            source=label,
            code="missing_columns",
        )
    out: dict[str, pd.Series] = {}
    names = _text(raw[matches["name"].header])
    # The names are checked (one hash pass over a million of them) while the numbers
    # are read; a bad name is still the error reported first, as if checked first.
    with ThreadPoolExecutor(1) as pool:
        names_checked = pool.submit(check_names, names, label, matches["name"].header)
        try:
            _canonical_columns(raw, headers, matches, label, decimal_comma, notes, out, priced)
            out = {"name": names, **out}
            frame = pd.DataFrame(out, copy=False).reset_index(drop=True)
            validate_candidates(frame, label, {c: m.header for c, m in matches.items()},
                                names_checked=True)
        except InputError:
            names_checked.result()
            raise
        names_checked.result()
    used = {c: m.header for c, m in matches.items() if c in mapping}
    return frame, notes, used


def _canonical_columns(raw: pd.DataFrame, headers: list[str], matches: dict[str, Any],
                       label: str, decimal_comma: bool, notes: list[str],
                       out: dict[str, pd.Series], priced: bool) -> None:
    """Every column but the names, converted and checked, into `out` in order.

    `priced`: the table carries prices the pricing engine turns into cost_per_1k, so
    that column may be blank (or absent: then it is added blank, in its usual place)."""
    for column in (*CANONICAL[1:], *PRICING_NUMERIC):
        match = matches.get(column)
        if match is None and column == "cost_per_1k" and priced:
            # Blank for every row, in its usual place: the pricing engine prices them.
            out["cost_per_1k"] = pd.Series(np.full(len(raw), np.nan))
            continue
        if match is None:
            continue
        values = _parse_column(
            raw[match.header], match.header, label,
            column in OPTIONAL or column in PRICING_NUMERIC or (column == "cost_per_1k" and priced),
            decimal_comma,
            percent=column == "accuracy", notes=notes,
        )
        if column == "accuracy":
            values = _accuracy_to_percent(values, match.header, notes, label)
        elif match.factor != 1.0:
            values = values * match.factor
        out[column] = values
    used_headers = {m.header for m in matches.values()}
    for header in headers:
        if header in used_headers:
            continue
        name = snake(header)
        if name in out or name in CANONICAL or name in DERIVED:
            name = f"src_{name}"
        while name in out:
            name += "_"
        series = raw[header]
        if _is_numeric_like(series):
            # Blank cells in an extra numeric column stay missing (NaN), not zero.
            out[name] = _parse_column(series, header, label, True, decimal_comma,
                                      percent=True, limit=MAX_EXTRA_MAGNITUDE, notes=notes)
        else:
            out[name] = series.astype(object).where(series.notna(), None)
        if name != snake(header):
            notes.append(Note("column_renamed", f"{name} <- {header!r}"))


def _accuracy_to_percent(
    values: pd.Series, header: str, notes: list[str], label: str
) -> pd.Series:
    percent = bool(values.attrs.get("percent_strings"))
    if percent:
        notes.append(Note("accuracy_percent_strings", f"accuracy: '%' stripped from {header!r}"))
    elif bool((values <= 1.0).all()) and bool((values >= 0).all()) and len(values) > 0:
        notes.append(Note("accuracy_fractions",
                          f"accuracy: every value of {header!r} is <= 1, read as fractions (x100)"))
        return values * 100.0
    # Some rows as fractions and others as percentages is a unit slip, not data. The
    # error names a row of the fewer kind: the odd one out is the likely slip.
    fraction_like = ((values > 0) & (values <= 1.0)).to_numpy()
    percent_like = (values > 1.0).to_numpy()
    if fraction_like.any() and percent_like.any():
        fewer_fractions = fraction_like.sum() <= percent_like.sum()
        odd, usual = ((fraction_like, percent_like) if fewer_fractions
                      else (percent_like, fraction_like))
        row = int(np.flatnonzero(odd)[0])
        example = values.iloc[int(np.flatnonzero(usual)[0])]
        kind, others = (("a fraction", "percentages") if fewer_fractions
                        else ("a percentage", "fractions"))
        raise InputError(
            f"{values.iloc[row]:g} looks like {kind} while other rows are {others} "
            f"(e.g. {example:g}); use one unit for the whole column",
            source=label,
            row=row + 1,
            column=header,
        )
    return values


# Where a candidate's measurement may lie (low, high, what a value outside is); any other
# measured column is a cost or a time: never negative. Maintainability is a free score.
_DOMAIN: dict[str, tuple[float, float, str]] = {
    "accuracy": (0.0, 100.0, "is outside 0-100 (accuracy is a percentage)"),
    "maintainability": (-math.inf, math.inf, ""),
}


def validate_candidates(
    frame: pd.DataFrame,
    label: str,
    headers: dict[str, str] | None = None,
    *,
    names_checked: bool = False,
) -> None:
    """Check a canonical candidate table; raise InputError at the first bad cell.

    Shared by the file loaders, the session loader and the TUI's edits, so a
    hand-edited session row or an edited cell gets exactly the checks a CSV row gets.
    """
    headers = headers or {}
    for column in REQUIRED:
        if column not in frame.columns:
            raise InputError(f"missing required column {column!r}", source=label)
    if not names_checked:
        check_names(frame["name"], label, headers.get("name", "name"))
    # Rows priced per token or on instances have no cost_per_1k of their own yet.
    priced = priced_elsewhere(list(frame.columns))

    def fail(mask: np.ndarray, column: str, why: str) -> None:
        idx = int(np.flatnonzero(mask)[0])
        value = frame[column].iloc[idx]
        raise InputError(
            f"{value!r} {why}" if not isinstance(value, float) else f"{value:g} {why}",
            source=label,
            row=idx + 1,
            column=headers.get(column, column),
        )

    for column in ("accuracy", "latency_ms", "cost_per_1k", *OPTIONAL):
        if column not in frame.columns:
            continue
        if pd.api.types.is_bool_dtype(frame[column]):
            raise InputError("holds true/false values; expected numbers", source=label,
                             row=1, column=headers.get(column, column))
        series = frame[column]
        values = (series.to_numpy() if series.dtype == np.float64
                  else pd.to_numeric(series, errors="coerce").to_numpy(dtype=float))
        if column in OPTIONAL or (column == "cost_per_1k" and priced):
            nan = np.isnan(values) & series.notna().to_numpy()
        else:
            nan = np.isnan(values)
        if nan.any():
            idx = int(np.flatnonzero(nan)[0])
            raise InputError(
                "missing or non-numeric value", source=label, row=idx + 1,
                column=headers.get(column, column),
            )
        low, high, why = _DOMAIN.get(column, (0.0, math.inf, "is negative"))
        # (NaN left here is an optional blank.) Every check below holds when the
        # column's range is inside the domain and the size limit: no mask to make.
        if _within(values, max(low, -MAX_MAGNITUDE), min(high, MAX_MAGNITUDE)):
            continue
        if np.isinf(values).any():
            fail(np.isinf(values), column, "is infinite")
        with np.errstate(invalid="ignore"):
            huge = np.abs(values) > MAX_MAGNITUDE
        if huge.any():
            fail(huge, column,
                 f"is out of range: numbers must be at most {MAX_MAGNITUDE:g} in size")
        out = (values < low) | (values > high)
        if out.any():
            fail(out, column, why)
    for column in frame.columns:
        if column in CANONICAL or not pd.api.types.is_float_dtype(frame[column]):
            continue
        values = frame[column].to_numpy(dtype=float)
        if _within(values, -MAX_EXTRA_MAGNITUDE, MAX_EXTRA_MAGNITUDE):
            continue
        if np.isinf(values).any():
            fail(np.isinf(values), column, "is infinite")
        with np.errstate(invalid="ignore"):
            huge = np.abs(values) > MAX_EXTRA_MAGNITUDE
        if huge.any():
            fail(huge, column,
                 f"is out of range: numbers must be at most {MAX_EXTRA_MAGNITUDE:g} in size")
