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
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.columns import (
    CANONICAL,
    DERIVED,
    OPTIONAL,
    REQUIRED,
    candidates_for,
    match_headers,
    snake,
)
from workbench.errors import InputError

TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".json", ".parquet", ".pq"}


@dataclass
class LoadedTable:
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    sha256: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> source header


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_table(path: str | Path, mapping: dict[str, str] | None = None) -> LoadedTable:
    """Load and validate a candidate table; raise InputError naming what is wrong."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise InputError("no such file", source=label)
    if path.is_dir():
        raise InputError("is a folder, not a table file", source=label)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"unknown file type {suffix or '(none)'}; expected .csv, .tsv, .json or .parquet",
            source=label,
        )
    if path.stat().st_size == 0:
        raise InputError("the file is empty", source=label)
    if suffix in {".parquet", ".pq"}:
        raw = _read_parquet(path)
    elif suffix == ".json":
        raw = _read_json(path)
    else:
        raw = _read_delimited(path, "\t" if suffix in {".tsv", ".tab"} else None)
    frame, notes, used = canonicalize(raw, label, mapping)
    return LoadedTable(frame, notes, path, file_sha256(path), used)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types; all mean "not a parquet file"
        raise InputError(f"cannot read as Parquet: {exc}", source=str(path)) from None


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        # utf-8-sig strips a BOM that Excel likes to add.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"bytes are not valid UTF-8 at byte {exc.start} "
            f"(0x{data[exc.start]:02x}); save the file as UTF-8",
            source=str(path),
            line=line,
        ) from None


def _read_json(path: Path) -> pd.DataFrame:
    label = str(path)
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=label, line=exc.lineno) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1:
            data = lists[0]
    if not isinstance(data, list):
        raise InputError("expected a JSON list of records (objects)", source=label)
    if not data:
        raise InputError("the JSON list is empty: no candidates", source=label)
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise InputError(
                f"expected an object, found {type(rec).__name__}", source=label, row=i
            )
    return pd.DataFrame.from_records(data)


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_delimited(path: Path, delimiter: str | None) -> pd.DataFrame:
    label = str(path)
    text = _decode(path)
    if not text.strip():
        raise InputError("the file is empty", source=label)
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip()), "")
    sniffed = _sniff_delimiter("\n".join(lines[:50]))
    if delimiter is None:
        delimiter = sniffed
    raw_headers = next(csv.reader([header_line], delimiter=delimiter, skipinitialspace=True), [])
    seen: set[str] = set()
    for header in raw_headers:
        if header.strip() and header.strip() in seen:
            raise InputError(
                f"header {header.strip()!r} appears twice; headers must be unique",
                source=label,
                line=1,
            )
        seen.add(header.strip())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                keep_default_na=False,
                index_col=False,
                skipinitialspace=True,
                engine="c",
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
            f"found a single column {frame.columns[0]!r} using "
            f"{other.get(delimiter, repr(delimiter))} as delimiter{hint}",
            source=label,
        )
    # Short rows leave NaN in the last column (blank cells are "" here, not NaN), so the
    # slower row-by-row scan only runs when there is something to find.
    last = frame.iloc[:, -1]
    if caught or bool(last.isna().any()) or bool((last.astype(str) == "").any()):
        _check_short_rows(text, delimiter, frame.shape[1], label)
    if delimiter == ";":
        # Semicolon files come from locales where the comma is the decimal mark.
        frame.attrs["decimal_comma"] = True
    return frame


def _check_short_rows(text: str, delimiter: str, width: int, label: str) -> None:
    # pandas pads short rows with empty cells silently; a spreadsheet user expects a
    # dropped cell to be an error, not a zero. csv.reader runs in C, so this is cheap.
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    for line_no, row in enumerate(reader, start=1):
        if row and len(row) != width:
            raise InputError(
                f"ragged row: expected {width} fields (as in the header), found {len(row)}",
                source=label,
                line=reader.line_num,
            )
        del line_no


_NUMBER_JUNK = re.compile(r"[\s$€£,_]|usd|USD")
_MISSING = ("", "nan", "na", "n/a", "null", "none")


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings, missing cells as ""."""
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def _strip_units(text: pd.Series) -> pd.Series:
    """Drop currency signs, thousands separators and a trailing % before parsing."""
    return text.str.replace(_NUMBER_JUNK, "", regex=True).str.rstrip("%")


def _to_number(
    series: pd.Series, column: str, label: str, decimal_comma: bool = False
) -> pd.Series:
    """Parse a column to float; raise naming the first bad cell."""
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        bad = values.isna()
        if bool(bad.any()):
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise InputError("missing value (empty or NaN)", source=label, row=row, column=column)
        return values
    text = _text(series)
    if decimal_comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    percent = text.str.endswith("%")
    values = pd.to_numeric(_strip_units(text), errors="coerce")
    bad = values.isna() | text.str.lower().isin(_MISSING)
    if bool(bad.any()):
        idx = int(np.flatnonzero(bad.to_numpy())[0])
        raw = text.iloc[idx]
        what = (
            "missing value (empty or NaN)" if raw.lower() in _MISSING else f"{raw!r} is not a number"
        )
        raise InputError(what, source=label, row=idx + 1, column=column)
    values = values.astype(float)
    if bool(percent.any()):
        values.attrs["percent_strings"] = True
    return values


def _blank(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.isna()
    return _text(series) == ""


def _parse_column(
    series: pd.Series, header: str, label: str, allow_blank: bool, decimal_comma: bool = False
) -> pd.Series:
    if not allow_blank:
        return _to_number(series, header, label, decimal_comma)
    blank = _blank(series)
    if not bool(blank.any()):
        return _to_number(series, header, label, decimal_comma)
    # Parse with blanks as "0" so that error rows keep their positions, then blank them.
    filled = series.astype(object).where(~blank, "0")
    values = _to_number(filled, header, label, decimal_comma)
    return values.mask(blank.to_numpy())


def _is_numeric_like(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return True
    text = _text(series)
    present = text[text != ""]
    if present.empty:
        return False
    return bool(pd.to_numeric(_strip_units(present), errors="coerce").notna().all())


def canonicalize(
    raw: pd.DataFrame, label: str, mapping: dict[str, str] | None = None
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Rename, convert and validate a raw table. Returns (frame, notes, mapping used)."""
    headers = [str(h) for h in raw.columns]
    decimal_comma = bool(raw.attrs.get("decimal_comma"))
    raw = raw.copy()
    raw.columns = headers
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
    matches, notes = match_headers(headers, mapping)
    missing = [c for c in REQUIRED if c not in matches]
    if missing:
        parts = []
        for column in missing:
            near = candidates_for(column, headers)
            hint = f" (maybe {', '.join(repr(h) for h in near)}?)" if near else ""
            parts.append(f"{column}{hint}")
        raise InputError(
            "missing required column(s): "
            + "; ".join(parts)
            + ". Headers found: "
            + ", ".join(repr(h) for h in headers)
            + ". Use --map COLUMN=\"Header\" to say which header is which.",
            source=label,
        )
    out: dict[str, pd.Series] = {}
    names = raw[matches["name"].header]
    names = _text(names)
    empty = names == ""
    if bool(empty.any()):
        row = int(np.flatnonzero(empty.to_numpy())[0]) + 1
        raise InputError("empty candidate name", source=label, row=row, column=matches["name"].header)
    dup = names.duplicated(keep=False)
    if bool(dup.any()):
        rows = np.flatnonzero(dup.to_numpy())
        first = names.iloc[rows[0]]
        same = [int(r) + 1 for r in rows if names.iloc[r] == first]
        raise InputError(
            f"duplicate candidate name {first!r} in rows {', '.join(map(str, same))}; "
            "names must be unique",
            source=label,
            row=same[1],
            column=matches["name"].header,
        )
    out["name"] = names.astype(object)
    for column in CANONICAL[1:]:
        match = matches.get(column)
        if match is None:
            continue
        values = _parse_column(
            raw[match.header], match.header, label, column in OPTIONAL, decimal_comma
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
            out[name] = _parse_column(series, header, label, True, decimal_comma)
        else:
            out[name] = series.astype(object).where(series.notna(), None)
        if name != snake(header):
            notes.append(f"{name} <- {header!r}")
    frame = pd.DataFrame(out).reset_index(drop=True)
    validate_candidates(frame, label, {c: m.header for c, m in matches.items()})
    used = {c: m.header for c, m in matches.items() if c in mapping}
    return frame, notes, used


def _accuracy_to_percent(
    values: pd.Series, header: str, notes: list[str], label: str
) -> pd.Series:
    percent = bool(values.attrs.get("percent_strings"))
    if percent:
        notes.append(f"accuracy: '%' stripped from {header!r}")
    elif bool((values <= 1.0).all()) and bool((values >= 0).all()) and len(values) > 0:
        notes.append(f"accuracy: every value of {header!r} is <= 1, read as fractions (x100)")
        return values * 100.0
    # Some rows as fractions and others as percentages is a unit slip, not data.
    fraction_like = (values > 0) & (values <= 1.0)
    if bool(fraction_like.any()) and bool((values > 1.0).any()):
        row = int(np.flatnonzero(fraction_like.to_numpy())[0])
        raise InputError(
            f"{values.iloc[row]:g} looks like a fraction while other rows are percentages "
            f"(e.g. {values[values > 1.0].iloc[0]:g}); use one unit for the whole column",
            source=label,
            row=row + 1,
            column=header,
        )
    return values


def validate_candidates(
    frame: pd.DataFrame, label: str, headers: dict[str, str] | None = None
) -> None:
    """Check a canonical candidate table; raise InputError at the first bad cell.

    Shared by the file loaders and the session loader, so a hand-edited session row
    gets exactly the checks a CSV row gets.
    """
    headers = headers or {}
    for column in REQUIRED:
        if column not in frame.columns:
            raise InputError(f"missing required column {column!r}", source=label)

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
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        if column in OPTIONAL:
            nan = np.isnan(values) & frame[column].notna().to_numpy()
        else:
            nan = np.isnan(values)
        if nan.any():
            idx = int(np.flatnonzero(nan)[0])
            raise InputError(
                "missing or non-numeric value", source=label, row=idx + 1,
                column=headers.get(column, column),
            )
        if np.isinf(values).any():
            fail(np.isinf(values), column, "is infinite")
        if column == "accuracy":
            out = (values < 0) | (values > 100)
            if out.any():
                fail(out, column, "is outside 0-100 (accuracy is a percentage)")
        elif column != "maintainability":
            neg = values < 0
            if neg.any():
                fail(neg, column, "is negative")
    for column in frame.columns:
        if column in CANONICAL or not pd.api.types.is_float_dtype(frame[column]):
            continue
        values = frame[column].to_numpy(dtype=float)
        if np.isinf(values).any():
            fail(np.isinf(values), column, "is infinite")
