"""Per-confidence-bin counts of a replay log: the SQL, DuckDB out of core, bins files.

Every figure of a routing policy is a sum over items, so a log of any size
reduces to counts per (confidence bin, label, cheap correct, expensive correct,
forced) plus the loss-column sum per group. The same portable query runs in
DuckDB over Parquet here (``--streaming``) or in a team's warehouse
(``--emit-sql``), and its small output feeds ``--bins``.

duckdb is imported inside functions so importing workbench.routing stays cheap.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from workbench.errors import InputError
from workbench.routing.log import (
    column_as_float,
    match_columns,
    normalize_header,
    read_table,
    validate_arrays,
)
from workbench.routing.sweep import BinCounts

TABLE_PLACEHOLDER = "replay_log"
DUCKDB_MEMORY_LIMIT = "512MB"
DUCKDB_THREADS = 2
BIN_COLUMNS: tuple[str, ...] = ("bin", "label", "cheap_correct", "expensive_correct", "forced", "n")
_BIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "bin": ("bin", "confidence_bin", "bin_index"),
    "label": ("label",),
    "cheap_correct": ("cheap_correct",),
    "expensive_correct": ("expensive_correct",),
    "forced": ("forced",),
    "n": ("n", "count", "rows", "items", "n_items"),
    "loss_sum": ("loss_sum", "loss"),
}


def quote_ident(name: str) -> str:
    """Leave plain identifiers bare (most portable); double-quote anything else."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _lit(value: float) -> str:
    # repr round-trips the double, so the warehouse compares against the same number.
    text = repr(float(value))
    return text


def forced_sql(escalate_when: tuple[str, ...], escalate_above: dict[str, float]) -> str:
    terms = [f"{quote_ident(c)} <> 0" for c in escalate_when]
    terms += [f"{quote_ident(c)} > {_lit(v)}" for c, v in escalate_above.items()]
    return " OR ".join(terms)


def aggregation_sql(
    *,
    decision_threshold: float = 0.5,
    escalate_when: tuple[str, ...] = (),
    escalate_above: dict[str, float] | None = None,
    loss_column: str | None = None,
    bin_count: int = 10_000,
    table: str = TABLE_PLACEHOLDER,
) -> str:
    """Portable SQL producing the bins file from a table of the replay log.

    Only CASE, FLOOR, CAST, COUNT and SUM: runs on DuckDB, PostgreSQL,
    Snowflake, BigQuery, Redshift and friends. Rows that fail validation
    (label not 0/1, score outside 0-1, NULL or NaN) land in bin -1 so a bad log
    is reported instead of silently counted.
    """
    escalate_above = escalate_above or {}
    dt = _lit(decision_threshold)
    extra_cols = list(dict.fromkeys([*escalate_when, *escalate_above, *([loss_column] if loss_column else [])]))
    valid_terms = [
        "label IN (0, 1)",
        "cheap_score BETWEEN 0 AND 1",
        "expensive_score BETWEEN 0 AND 1",
        # BETWEEN on huge bounds rejects NULL and NaN in one portable test.
        *[f"{quote_ident(c)} BETWEEN -1e308 AND 1e308" for c in extra_cols],
    ]
    forced = forced_sql(tuple(escalate_when), escalate_above)
    forced_expr = f"CASE WHEN {forced} THEN 1 ELSE 0 END" if forced else "0"
    loss_expr = quote_ident(loss_column) if loss_column else None
    two_b = 2 * bin_count
    lines = [
        f"-- workbench route: per-confidence-bin counts ({bin_count} bins of cheap-model",
        f"-- confidence max(p, 1 - p) over [0.5, 1], width {0.5 / bin_count:g}).",
        f"-- Replace {table} with your table or view. It needs numeric columns label (0/1),",
        "-- cheap_score, expensive_score (probabilities of the positive class)"
        + (f" and {', '.join(extra_cols)}" if extra_cols else "")
        + ";",
        "-- alias yours to these names and cast scores to double precision first.",
        f"-- Decision threshold {dt}; forced escalation: {forced or 'none'}.",
        "-- Save the result as CSV or Parquet and run: workbench route --bins FILE ...",
        "WITH scored AS (",
        "  SELECT",
        # Out-of-range scores get a harmless confidence so no engine ever casts NaN
        # to INTEGER (DuckDB evaluates CASE branches eagerly); valid = 0 marks them.
        "    CASE WHEN cheap_score >= 0.5 AND cheap_score <= 1 THEN cheap_score",
        "         WHEN cheap_score >= 0 AND cheap_score < 0.5 THEN 1 - cheap_score ELSE 0.5 END AS confidence,",
        "    label,",
        f"    CASE WHEN (CASE WHEN cheap_score >= {dt} THEN 1 ELSE 0 END) = label THEN 1 ELSE 0 END AS cheap_correct,",
        f"    CASE WHEN (CASE WHEN expensive_score >= {dt} THEN 1 ELSE 0 END) = label THEN 1 ELSE 0 END AS expensive_correct,",
        f"    {forced_expr} AS forced,",
    ]
    if loss_expr:
        lines.append(f"    {loss_expr} AS loss,")
    lines += [
        f"    CASE WHEN {' AND '.join(valid_terms)} THEN 1 ELSE 0 END AS valid",
        f"  FROM {table}",
        "), binned AS (",
        "  SELECT",
        "    CASE WHEN valid = 0 THEN -1",
        f"         WHEN confidence >= 1 THEN {bin_count - 1}",
        f"         ELSE CAST(FLOOR((confidence - 0.5) * {two_b}) AS INTEGER) END AS bin,",
        "    label, cheap_correct, expensive_correct, forced" + (", loss" if loss_expr else ""),
        "  FROM scored",
        ")",
        "SELECT bin, label, cheap_correct, expensive_correct, forced, COUNT(*) AS n"
        + (", SUM(loss) AS loss_sum" if loss_expr else ""),
        "FROM binned",
        "GROUP BY bin, label, cheap_correct, expensive_correct, forced",
        "ORDER BY bin, label, cheap_correct, expensive_correct, forced",
    ]
    return "\n".join(lines) + ";\n"


def parquet_files(path: Path, source: str) -> list[Path]:
    if not path.exists():
        raise InputError("file or folder not found", source=source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
        if not files:
            raise InputError("the folder holds no .parquet files", source=source)
        return files
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise InputError("out-of-core (--streaming) reading needs Parquet; convert the CSV first", source=source)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", source=source)
    return [path]


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_NUMERIC_DUCK = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|REAL)$"
)


def aggregate_parquet(
    path: Path,
    *,
    decision_threshold: float = 0.5,
    escalate_when: tuple[str, ...] = (),
    escalate_above: dict[str, float] | None = None,
    loss_column: str | None = None,
    bin_count: int = 10_000,
    source: str | None = None,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
    threads: int = DUCKDB_THREADS,
) -> BinCounts:
    """Run the aggregation over a Parquet file or folder with DuckDB, out of core."""
    import duckdb

    src = source or str(path)
    escalate_above = escalate_above or {}
    files = parquet_files(path, src)
    extra = tuple(dict.fromkeys([*escalate_when, *escalate_above, *([loss_column] if loss_column else [])]))
    scan = "read_parquet([" + ", ".join(_sql_str(str(f)) for f in files) + "], union_by_name = true"
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            # Order is irrelevant for a GROUP BY and keeping it costs memory.
            "preserve_insertion_order": False,
        }
    )
    # The progress bar writes to the terminal and would corrupt --format json.
    con.execute("SET enable_progress_bar = false")
    try:
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {scan})").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read as Parquet: {exc}", source=src) from exc
        types = {row[0]: str(row[1]) for row in described}
        mapping = match_columns(list(types), extra, src)
        for name, header in mapping.items():
            if not _NUMERIC_DUCK.match(types[header].upper()):
                raise InputError(f"column has type {types[header]}; expected numbers", source=src, column=header)
        # NaN becomes NULL here: Parquet min/max statistics leave NaN out, and
        # DuckDB folds e.g. "score <= 1" to TRUE from them, so a NaN would slip
        # past validation. NULL is tracked by the statistics and fails honestly.
        select = ", ".join(
            f"CASE WHEN isnan(CAST({quote_ident(header)} AS DOUBLE)) THEN NULL "
            f"ELSE CAST({quote_ident(header)} AS DOUBLE) END AS {quote_ident(name)}"
            for name, header in mapping.items()
        )
        con.execute(
            f"CREATE TEMP VIEW {TABLE_PLACEHOLDER} AS SELECT {select}, "
            f"filename AS _wb_file, file_row_number AS _wb_row "
            f"FROM {scan}, filename = true, file_row_number = true)"
        )
        sql = aggregation_sql(
            decision_threshold=decision_threshold,
            escalate_when=tuple(escalate_when),
            escalate_above=escalate_above,
            loss_column=loss_column,
            bin_count=bin_count,
        )
        try:
            got = con.execute(sql).fetchnumpy()
        except duckdb.Error as exc:
            raise InputError(f"aggregation failed: {exc}", source=src) from exc
        bins = np.asarray(got["bin"], dtype=np.int64)
        if bins.size == 0:
            raise InputError("no data rows", source=src)
        if (bins < 0).any():
            _raise_first_invalid(con, mapping, src)
        loss = np.asarray(got["loss_sum"], dtype=np.float64) if loss_column else None
        return BinCounts(
            bin_count=bin_count,
            bin=bins,
            label=np.asarray(got["label"]).astype(np.int8),
            cheap_correct=np.asarray(got["cheap_correct"]).astype(np.int8),
            expensive_correct=np.asarray(got["expensive_correct"]).astype(np.int8),
            forced=np.asarray(got["forced"]).astype(np.int8),
            n=np.asarray(got["n"], dtype=np.int64),
            loss_sum=loss,
            source=src,
        )
    finally:
        con.close()


def _raise_first_invalid(con: object, mapping: dict[str, str], src: str) -> None:
    """Second pass, only on the error path: find and describe the first bad row."""
    names = list(mapping)
    cols = ", ".join(quote_ident(n) for n in names)
    valid = " AND ".join(
        [
            "label IN (0, 1)",
            "cheap_score BETWEEN 0 AND 1",
            "expensive_score BETWEEN 0 AND 1",
            *[f"{quote_ident(n)} BETWEEN -1e308 AND 1e308" for n in names if n not in ("label", "cheap_score", "expensive_score")],
        ]
    )
    row = con.execute(  # type: ignore[attr-defined]
        f"SELECT _wb_file, _wb_row, {cols} FROM {TABLE_PLACEHOLDER} "
        f"WHERE NOT coalesce({valid}, false) ORDER BY _wb_file, _wb_row LIMIT 1"
    ).fetchone()
    if row is None:  # pragma: no cover - the aggregation said there was one
        raise InputError("some rows are invalid (label not 0/1, score outside 0-1 or missing)", source=src)
    file, offset = str(row[0]), int(row[1])
    values = {n: np.array([np.nan if v is None else float(v)]) for n, v in zip(names, row[2:])}
    validate_arrays(values, mapping, file, row_offset=offset)
    raise InputError("invalid row (label not 0/1, score outside 0-1 or missing)", source=file, row=offset + 1)


def load_bins_file(path: Path, bin_count: int = 10_000, source: str | None = None) -> BinCounts:
    """Read the output of the aggregation query (CSV or Parquet) and check it."""
    src = source or str(path)
    table = read_table(path, src)
    headers = list(table.column_names)
    normalized = {normalize_header(h): h for h in headers}
    mapping: dict[str, str] = {}
    for name, syns in _BIN_SYNONYMS.items():
        for syn in syns:
            if normalize_header(syn) in normalized:
                mapping[name] = normalized[normalize_header(syn)]
                break
    missing = [c for c in BIN_COLUMNS if c not in mapping]
    if missing:
        raise InputError(
            f"not a bins file: missing column(s) {', '.join(missing)}; headers found: "
            f"{', '.join(repr(h) for h in headers) or '(none)'}; expected {', '.join(BIN_COLUMNS)}[, loss_sum]",
            source=src,
            column=missing[0],
        )
    if table.num_rows == 0:
        raise InputError("no data rows (the file has a header only)", source=src)
    vals = {name: column_as_float(table, header, src) for name, header in mapping.items()}

    def bad(name: str, mask: np.ndarray, what: str) -> None:
        if mask.any():
            i = int(np.argmax(mask))
            raise InputError(f"{what}, got {vals[name][i]:g}", source=src, row=i + 1, column=mapping[name])

    for name in vals:
        bad(name, np.isnan(vals[name]), "missing value")
    b = vals["bin"]
    bad("bin", b == -1, "rows of the source log failed validation in the query (bin -1: label not 0/1, "
        "score outside 0-1, NULL or NaN); fix the log")
    bad("bin", (b != np.floor(b)) | (b < 0) | (b >= bin_count),
        f"bin must be an integer in 0..{bin_count - 1} (is --bin-count the one the query used?)")
    for name in ("label", "cheap_correct", "expensive_correct", "forced"):
        bad(name, (vals[name] != 0) & (vals[name] != 1), f"{name} must be 0 or 1")
    bad("n", (vals["n"] != np.floor(vals["n"])) | (vals["n"] < 0), "n must be a whole number >= 0")
    if "loss_sum" in vals:
        bad("loss_sum", ~np.isfinite(vals["loss_sum"]), "loss_sum must be finite")
    if vals["n"].sum() <= 0:
        raise InputError("the bins file counts no items (n sums to 0)", source=src, column=mapping["n"])
    return BinCounts(
        bin_count=bin_count,
        bin=b.astype(np.int64),
        label=vals["label"].astype(np.int8),
        cheap_correct=vals["cheap_correct"].astype(np.int8),
        expensive_correct=vals["expensive_correct"].astype(np.int8),
        forced=vals["forced"].astype(np.int8),
        n=vals["n"].astype(np.int64),
        loss_sum=vals.get("loss_sum"),
        source=src,
    )
