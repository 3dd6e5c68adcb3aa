"""Replay logs: reading, forgiving header matching and validation.

A replay log has one row per historical item: the truth (``label``) and each
model's probability of the positive class. Headers come from many teams, so we
match them after normalising case, spaces and punctuation, and accept common
synonyms. Every rejection names the file, the 1-based data row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.columns import header_key
from workbench.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

# Order matters: when a file has two candidate headers, the earlier synonym wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "label": (
        "label", "y", "is_fraud", "fraud", "target", "truth", "ground_truth", "y_true",
        "actual", "class", "outcome", "is_positive",
    ),
    "cheap_score": (
        "cheap_score", "cheap_prob", "cheap_probability", "cheap_proba", "cheap_pred",
        "fast_score", "fast_prob", "fast_probability", "small_score", "small_prob",
        "small_probability", "light_score", "cheap_model_score", "score_cheap", "p_cheap",
        "cheap", "fast", "small",
    ),
    "expensive_score": (
        "expensive_score", "expensive_prob", "expensive_probability", "expensive_proba",
        "expensive_pred", "ensemble_score", "ensemble_prob", "ensemble_probability",
        "slow_score", "slow_prob", "large_score", "large_prob", "big_score", "accurate_score",
        "expensive_model_score", "score_expensive", "p_expensive", "expensive", "ensemble",
        "slow", "large",
    ),
    "risk_flag": ("risk_flag", "risk", "high_risk", "is_risky", "flag"),
}
REQUIRED: tuple[str, ...] = ("label", "cheap_score", "expensive_score")
SCORE_COLUMNS: tuple[str, ...] = ("cheap_score", "expensive_score")


# Case, spaces and punctuation never matter: 'Cheap Score' == 'cheap_score'. The one
# definition lives with the table header matcher (workbench.columns).
normalize_header = header_key


_NORMALIZED_SYNONYMS: dict[str, tuple[str, ...]] = {
    canon: tuple(normalize_header(s) for s in syns) for canon, syns in SYNONYMS.items()
}


def _resolve_canonical(canon: str, headers: list[str], source: str) -> str | None:
    normalized = [normalize_header(h) for h in headers]
    for syn in _NORMALIZED_SYNONYMS[canon]:
        hits = [h for h, n in zip(headers, normalized) if n == syn]
        if len(hits) > 1:
            raise InputError(
                f"headers {', '.join(repr(h) for h in hits)} all look like {canon}; "
                "rename all but one",
                source=source,
                column=hits[0],
            )
        if hits:
            return hits[0]
    return None


def match_columns(
    headers: list[str], extra: tuple[str, ...] | list[str], source: str
) -> dict[str, str]:
    """Map the required canonical names and each requested extra column to a header.

    Extra columns (forced-rule and loss columns) match by normalised name first,
    then through the synonyms of a canonical optional column (so
    ``--escalate-when risk_flag`` finds a header called ``Risk``).
    """
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for canon in REQUIRED:
        hit = _resolve_canonical(canon, headers, source)
        if hit is None:
            missing.append(canon)
        else:
            mapping[canon] = hit
    found, lost = match_extra(headers, extra, source, taken=mapping)
    mapping.update(found)
    missing += lost
    if missing:
        accepted = "; ".join(
            f"{m}: {', '.join(SYNONYMS[m][:6])}, ..." for m in missing if m in SYNONYMS
        )
        seen = ", ".join(repr(h) for h in headers) if headers else "(none)"
        message = f"missing column(s) {', '.join(missing)}; headers found: {seen}"
        if accepted:
            message += f" (accepted names: {accepted})"
        raise InputError(message, source=source, column=missing[0])
    used = list(mapping.values())
    for canon in REQUIRED:
        if used.count(mapping[canon]) > 1:
            raise InputError(
                f"header {mapping[canon]!r} cannot be both {canon} and another input",
                source=source,
                column=mapping[canon],
            )
    return mapping


def match_extra(
    headers: list[str], extra: tuple[str, ...] | list[str], source: str,
    taken: dict[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Headers of requested extra columns (forced rules, loss) and the names not found.

    Each matches by normalised name first, then through the synonyms of a canonical
    optional column (so ``--escalate-when risk_flag`` finds a header called ``Risk``).
    """
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for name in extra:
        if name in mapping or (taken is not None and name in taken):
            continue
        target = normalize_header(name)
        hits = [h for h in headers if normalize_header(h) == target]
        if len(hits) > 1:
            raise InputError(
                f"headers {', '.join(repr(h) for h in hits)} all match {name!r}",
                source=source,
                column=hits[0],
            )
        if not hits:
            for canon, syns in _NORMALIZED_SYNONYMS.items():
                if target in syns and canon not in REQUIRED:
                    hit = _resolve_canonical(canon, headers, source)
                    if hit is not None:
                        hits = [hit]
                    break
        if hits:
            mapping[name] = hits[0]
        else:
            missing.append(name)
    return mapping, missing


@dataclass
class ReplayLog:
    """Validated arrays of a replay log, one entry per item."""

    source: str
    label: np.ndarray  # bool
    cheap_score: np.ndarray  # float64 in [0, 1]
    expensive_score: np.ndarray  # float64 in [0, 1]
    extras: dict[str, np.ndarray] = field(default_factory=dict)  # float64, keyed by requested name
    headers: dict[str, str] = field(default_factory=dict)  # requested name -> header in the file

    @property
    def rows(self) -> int:
        return int(self.label.size)


def read_table(path: Path, source: str | None = None, columns: list[str] | None = None) -> pa.Table:
    """Read a CSV or Parquet file into an Arrow table, turning read failures into InputError."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from workbench.fileio import check_input, open_input

    src = source or str(path)
    # FIFOs, devices, folders, loops and unreadable files end here, before any read.
    if check_input(path, src, what="log file").st_size == 0:
        raise InputError("the file is empty", source=src)
    try:
        with open(open_input(path, src, what="log file"), "rb") as handle:
            if path.suffix.lower() in (".parquet", ".pq"):
                return pq.read_table(handle, columns=columns)
            table = pacsv.read_csv(handle)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        kind = "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"
        raise InputError(f"cannot read as {kind}: {exc}", source=src) from exc
    return table.select(columns) if columns is not None else table


def parquet_headers(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    from workbench.fileio import open_input

    with open(open_input(path, what="log file"), "rb") as handle:
        return list(pq.read_schema(handle).names)


def column_as_float(table: pa.Table, header: str, source: str, row_offset: int = 0) -> np.ndarray:
    """One column as float64 (NaN for missing); text that is not a number raises."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(header)
    kind = col.type
    if (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_null(kind)
    ):
        # safe=False: an int64 beyond 2**53 (a label of 4611686018427387905) becomes
        # the nearest double instead of an exception; validation then rejects it.
        return np.asarray(pc.cast(col, pa.float64(), safe=False).to_numpy(zero_copy_only=False),
                          dtype=np.float64)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        import pandas as pd

        raw = pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
        stripped = raw.str.strip()
        values = pd.to_numeric(stripped, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        # Blank cells are "missing", reported later with the NaN check; anything
        # else that failed to parse is text where a number belongs.
        bad = np.isnan(values) & stripped.fillna("").ne("").to_numpy() & ~stripped.str.lower().isin(
            ["nan", "na", "null", "none"]
        ).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"not a number: {raw.iloc[i]!r}",
                source=source, row=row_offset + i + 1, column=header,
            )
        return values
    raise InputError(f"column has type {kind}; expected numbers", source=source, column=header)


def _first(mask: np.ndarray) -> int | None:
    # argmax finds the first True without materialising every index.
    if mask.size == 0:
        return None
    i = int(np.argmax(mask))
    return i if mask[i] else None


def validate_arrays(
    values: dict[str, np.ndarray],
    headers: dict[str, str],
    source: str,
    row_offset: int = 0,
    kinds: dict[str, str] | None = None,
) -> None:
    """Reject NaN, labels other than 0/1 and scores outside [0, 1] at the first bad row.

    ``values`` is keyed like ``headers`` (canonical or requested names); every
    array is float64. ``kinds`` names a check per key ("label", "score", "quality" in
    [0, 1], "value": finite); by default label and the score columns get theirs. The
    reported problem is the earliest row with any problem (ties: column order), so
    fixing errors top to bottom works. ``row_offset`` shifts reported rows when checking
    a slice.
    """
    problems: list[tuple[int, int, str, str]] = []  # (index, column order, header, message)
    for order, (name, arr) in enumerate(values.items()):
        header = headers.get(name, name)
        bad = ~np.isfinite(arr)
        kind = (kinds or {}).get(name) or (
            "label" if name == "label" else "score" if name in SCORE_COLUMNS else "value"
        )
        if kind == "label":
            bad |= (arr != 0) & (arr != 1)
        elif kind in ("score", "quality"):
            bad |= (arr < 0) | (arr > 1)
        i = _first(bad)
        if i is None:
            continue
        v = arr[i]
        if np.isnan(v):
            message = "missing value (empty or NaN)"
        elif kind == "label":
            message = f"label must be 0 or 1, got {v:g}"
        elif kind == "score":
            message = f"score must be a probability between 0 and 1, got {v:g}"
        elif kind == "quality":
            message = f"quality (correct) must be between 0 and 1, got {v:g}"
        else:
            message = f"value must be finite, got {v}"
        problems.append((i, order, header, message))
    if problems:
        i, _, header, message = min(problems)
        raise InputError(message, source=source, row=row_offset + i + 1, column=header)


def load_replay_log(path: Path, extra_columns: tuple[str, ...] = (),
                    source: str | None = None) -> ReplayLog:
    """Load a replay log (CSV or Parquet) fully into memory and validate it."""
    src = source or str(path)
    extra = tuple(dict.fromkeys(extra_columns))  # keep order, drop repeats
    if path.suffix.lower() in (".parquet", ".pq") and path.is_file() and path.stat().st_size > 0:
        try:
            headers = parquet_headers(path)
        except Exception as exc:  # pyarrow raises several types for a corrupt footer
            raise InputError(f"cannot read as Parquet: {exc}", source=src) from exc
        mapping = match_columns(headers, extra, src)
        # Only the needed columns: ids and free text can be most of a wide log.
        table = read_table(path, src, columns=list(dict.fromkeys(mapping.values())))
    else:
        table = read_table(path, src)
        mapping = match_columns(list(table.column_names), extra, src)
    if table.num_rows == 0:
        raise InputError("no data rows (the file has a header only)", source=src)
    values = {name: column_as_float(table, header, src) for name, header in mapping.items()}
    del table
    validate_arrays(values, mapping, src)
    return ReplayLog(
        source=src,
        label=values.pop("label") == 1.0,
        cheap_score=values.pop("cheap_score"),
        expensive_score=values.pop("expensive_score"),
        extras=values,
        headers=mapping,
    )
