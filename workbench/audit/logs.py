"""Production logs in, small sums out: the one aggregation, its SQL, DuckDB out of core.

A production log has one row per request or per served batch: `timestamp`, `model`,
and any of `batch_size` (a row stands for that many requests; 1 without it),
`latency_ms` (what each request of the row waited), `cost_usd` (the row's cost: a
batch's), `escalated` (0/1: the request went up the routing chain), `correct` (0/1 or
the share of the row's requests answered right; or `label` and `prediction`), token
counts (`input_tokens`, `output_tokens`, `cached_input_tokens`: the row's totals), and
any other column, a dimension that `--by` can break the bill down by. Headers are
matched by `workbench.columns.match_log_headers`, the candidate tables' matcher.

Every figure of the audit is a sum over rows, so a log of any size reduces to one row
per (day, model, latency bin) with these sums (and, with a dimension, one row per (day,
model, dimension value) through GROUPING SETS, in the same scan):
    rows                 rows of the log (batches)
    requests             sum of batch_size
    cost_usd             sum of cost_usd
    latency_ms_requests  sum of latency_ms * batch_size (rows with a latency)
    escalated_requests   sum of escalated * batch_size
    labelled_requests    sum of batch_size over rows with a `correct`
    correct_requests     sum of correct * batch_size
    input_tokens, output_tokens, cached_input_tokens   sums
    invalid_rows         rows that failed validation (the audit refuses a log with any)
A day is the timestamp's calendar day in UTC. The latency bin is floor(100 ln(latency_ms))
(bins 0.5% wide; 0 ms has bin -100000): percentiles come from the requests per bin, so
p95 and p99 are weighted by requests and within 0.25% of the exact value.

The statement is a sqlglot tree (names are identifiers, numbers literals, text
literals only our own; file paths a prepared parameter), run here by DuckDB over CSV,
Parquet or a folder of Parquet files with a memory limit and two threads, and rendered
for Spark SQL, BigQuery and Snowflake by `--emit-sql --dialect`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.columns import (
    LOG_COLUMNS,
    LOG_REQUIRED,
    ColumnMatch,
    match_log_headers,
    snake,
    tokens,
)
from workbench.errors import InputError
from workbench.routing.bins import (
    DIALECTS,
    DUCKDB_THREADS,
    _as_flag,
    _case,
    _col,
    _num,
    ident,
    parquet_files,
)

if TYPE_CHECKING:
    from sqlglot import exp

TABLE_PLACEHOLDER = "production_log"
DUCKDB_MEMORY_LIMIT = "512MB"
LATENCY_BINS_PER_UNIT = 100  # bins per unit of ln(ms): each bin 0.5% wide
ZERO_LATENCY_BIN = -100_000
KEYS: tuple[str, ...] = ("day", "model", "dimension", "latency_bin")
SUMS: tuple[str, ...] = (
    "rows", "requests", "cost_usd", "latency_ms_requests", "escalated_requests",
    "labelled_requests", "correct_requests", "input_tokens", "output_tokens",
    "cached_input_tokens", "invalid_rows",
)
TOKEN_COLUMNS: tuple[str, ...] = ("input_tokens", "output_tokens", "cached_input_tokens")
# The columns whose NaN the guarded second pass flags (`_scored`, `_valid`), in one order.
_NAN_CHECKED: tuple[str, ...] = ("batch_size", "cost_usd", "latency_ms", "escalated", "correct",
                                 *TOKEN_COLUMNS)
_NUMERIC_PREFIXES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                     "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE",
                     "DECIMAL", "REAL", "INT")
_TIME_PREFIXES = ("TIMESTAMP", "DATE", "DATETIME")
_HEADER = (
    "-- workbench audit: per (day, model{dim}, latency bin) sums of a production log.",
    "-- Point the FROM clause at your table or view; the columns it names are the log's",
    "-- (alias yours to them). A day is the timestamp's calendar day (UTC); a row stands",
    "-- for batch_size requests and its cost_usd is the row's cost. Rows that fail",
    "-- validation are counted in invalid_rows and left out of every sum.",
    "-- Save the result as CSV or Parquet and run:",
    "--   workbench audit RESULT --aggregated --session SESSION.toml{by}",
)


@dataclass(frozen=True)
class LogColumns:
    """Which header of the log holds each column, its unit factor and its type."""

    headers: dict[str, str]  # log column (LOG_COLUMNS) -> header
    factors: dict[str, float] = field(default_factory=dict)  # multiply to get our unit
    types: dict[str, str] = field(default_factory=dict)  # log column -> DuckDB type name
    dimension: str | None = None  # the header --by names
    notes: tuple[str, ...] = ()

    def has(self, column: str) -> bool:
        return column in self.headers

    @property
    def correct_source(self) -> str | None:
        """"correct", "label+prediction" or None: where accuracy comes from."""
        if self.has("correct"):
            return "correct"
        if self.has("label") and self.has("prediction"):
            return "label+prediction"
        return None


def canonical_columns(by: str | None = None) -> LogColumns:
    """The columns --emit-sql assumes when no log is given: every log column by its
    own name (a timestamp, a text model and numbers), plus the --by dimension."""
    names = ("timestamp", "model", "batch_size", "latency_ms", "cost_usd", "escalated",
             "correct")
    types = {n: "DOUBLE" for n in names}
    types.update(timestamp="TIMESTAMP", model="VARCHAR")
    return LogColumns({n: n for n in names}, {}, types, by)


@dataclass
class LogAggregates:
    """The aggregation's output as a frame (KEYS present, SUMS present) and where it
    came from."""

    source: str
    frame: pd.DataFrame
    columns: LogColumns
    notes: list[str] = field(default_factory=list)

    @property
    def detail(self) -> pd.DataFrame:
        """The (day, model, latency bin) rows: the daily picture's."""
        if "dimension" not in self.frame.columns:
            return self.frame
        return self.frame[self.frame["_set"] == 0]

    @property
    def by_dimension(self) -> pd.DataFrame | None:
        """The (day, model, dimension value) rows, or None without --by."""
        if "dimension" not in self.frame.columns:
            return None
        return self.frame[self.frame["_set"] == 1]


# --------------------------------------------------------------------- the query


def _is_numeric(kind: str) -> bool:
    return kind.upper().startswith(_NUMERIC_PREFIXES) or kind.upper() == "BOOLEAN"


def _double(name: str, columns: LogColumns, guard: bool) -> exp.Expr:
    """A log column as DOUBLE in our unit; with `guard` NaN becomes NULL (DuckDB only).

    The aggregation runs without the guard: Parquet statistics leave NaN out, so DuckDB
    may fold a range check to TRUE and let a NaN through, but a NaN then makes its sum
    NaN, which `read_log` treats as an invalid row; the second pass that names the row
    runs with the guard and flags NaN explicitly (see `_scored`)."""
    from sqlglot import exp

    value: exp.Expr = exp.Cast(this=_col(columns.headers[name]),
                                     to=exp.DataType.build("DOUBLE"))
    factor = columns.factors.get(name, 1.0)
    if factor != 1.0:
        value = exp.Mul(this=value, expression=_num(factor))
    if guard:
        value = _case((exp.IsNan(this=value.copy()), exp.null()), default=value)
    return value


def _day(columns: LogColumns) -> exp.Expr:
    """The timestamp's calendar day: a date or timestamp is cast; text is parsed (a
    value that does not parse is NULL, so the row is invalid and reported); numbers
    are Unix epoch seconds, or milliseconds when the header says ms."""
    from sqlglot import exp

    header = columns.headers["timestamp"]
    kind = columns.types.get("timestamp", "TIMESTAMP").upper()
    date = exp.DataType.build("DATE")
    column = _col(header)
    if kind.startswith(_TIME_PREFIXES):
        stamp: exp.Expr = column
    elif _is_numeric(kind):
        words = set(tokens(header).split())
        millis = bool(words & {"ms", "millis", "milliseconds", "msec"})
        stamp = exp.UnixToTime(this=exp.Cast(this=column, to=exp.DataType.build("BIGINT")),
                               scale=exp.UnixToTime.MILLIS if millis else None)
    else:
        stamp = exp.TryCast(this=column, to=exp.DataType.build("TIMESTAMP"))
    return exp.Cast(this=stamp, to=date)


def _scored(source: exp.Expr, columns: LogColumns, guard: bool = False) -> exp.Select:
    """One row per log row: the keys, each value in our unit, and `valid`."""
    from sqlglot import exp

    text = exp.DataType.build("VARCHAR")
    out: list[exp.Expr] = [
        exp.alias_(_day(columns), ident("day")),
        exp.alias_(exp.Cast(this=_col(columns.headers["model"]), to=text.copy()), ident("model")),
    ]
    if columns.dimension is not None:
        # A missing (or empty) value is its own group, "(missing)", so an empty cell in
        # the output always means the rolled-up rows, even in a CSV.
        out.append(exp.alias_(exp.Coalesce(
            this=exp.Nullif(this=exp.Cast(this=_col(columns.dimension), to=text.copy()),
                            expression=exp.Literal.string("")),
            expressions=[exp.Literal.string("(missing)")]), ident("dimension")))
    if guard:
        # The second pass: a NaN anywhere is a bad row, named as such. Read through its
        # text ('nan'): DuckDB folds ISNAN, and range checks, to constants from Parquet
        # statistics, which leave NaN out.
        for name in _NAN_CHECKED:
            if columns.has(name):
                as_double = exp.Cast(this=_col(columns.headers[name]),
                                     to=exp.DataType.build("DOUBLE"))
                as_text = exp.Lower(this=exp.Cast(this=as_double,
                                                  to=exp.DataType.build("VARCHAR")))
                out.append(exp.alias_(exp.Like(this=as_text, expression=exp.Literal.string("%nan")),
                                      ident(f"nan_{name}")))
    n = _double("batch_size", columns, guard) if columns.has("batch_size") else _num(1)
    out.append(exp.alias_(n, ident("n")))
    for name in ("cost_usd", "latency_ms", "escalated", *TOKEN_COLUMNS):
        if columns.has(name):
            out.append(exp.alias_(_double(name, columns, guard), ident(f"v_{name}")))
    source_of_correct = columns.correct_source
    if source_of_correct == "correct":
        out.append(exp.alias_(_double("correct", columns, guard), ident("v_correct")))
    elif source_of_correct == "label+prediction":
        label, prediction = columns.headers["label"], columns.headers["prediction"]
        both_numeric = all(_is_numeric(columns.types.get(c, "VARCHAR"))
                           for c in ("label", "prediction"))
        kind = exp.DataType.build("DOUBLE" if both_numeric else "VARCHAR")
        left = exp.Cast(this=_col(label), to=kind.copy())
        right = exp.Cast(this=_col(prediction), to=kind.copy())
        out.append(exp.alias_(_case(
            (exp.or_(exp.Is(this=_col(label), expression=exp.null()),
                     exp.Is(this=_col(prediction), expression=exp.null())), exp.null()),
            (exp.EQ(this=left, expression=right), _num(1)),
            default=_num(0)), ident("v_correct")))
    return exp.select(*out).from_(source)


def _valid(columns: LogColumns, guard: bool = False) -> exp.Expr:
    """day and model present; batch_size > 0; cost >= 0; latency >= 0 or missing;
    escalated 0..1; correct 0..1 or missing; tokens >= 0 or missing; no NaN (with
    `guard`, from the flags _scored adds; without, a NaN makes its sum NaN). NULL and
    NaN fail a BETWEEN in every dialect."""
    from sqlglot import exp

    def between(name: str, low: float, high: float) -> exp.Expr:
        return exp.Between(this=_col(name), low=_num(low), high=_num(high))

    def optional(name: str, low: float, high: float) -> exp.Expr:
        return exp.Paren(this=exp.or_(exp.Is(this=_col(name), expression=exp.null()),
                                      between(name, low, high)))

    terms: list[exp.Expr] = [
        exp.Not(this=exp.Is(this=_col("day"), expression=exp.null())),
        exp.Not(this=exp.Is(this=_col("model"), expression=exp.null())),
        exp.GT(this=_col("n"), expression=_num(0)),
        exp.LTE(this=_col("n"), expression=_num(1e308)),
    ]
    if columns.has("cost_usd"):
        terms.append(between("v_cost_usd", 0, 1e308))
    if columns.has("latency_ms"):
        terms.append(optional("v_latency_ms", 0, 1e308))
    if columns.has("escalated"):
        terms.append(between("v_escalated", 0, 1))
    if columns.correct_source is not None:
        terms.append(optional("v_correct", 0, 1))
    for name in TOKEN_COLUMNS:
        if columns.has(name):
            terms.append(optional(f"v_{name}", 0, 1e308))
    if guard:
        for name in _NAN_CHECKED:
            if columns.has(name):
                terms.append(exp.Not(this=exp.Coalesce(this=_col(f"nan_{name}"),
                                                       expressions=[exp.false()])))
    return exp.and_(*terms, copy=False)


def aggregation_query(source: exp.Expr, columns: LogColumns) -> exp.Select:
    """The aggregation reading from `source` (a table or a scan) as a sqlglot tree."""
    from sqlglot import exp

    scored = _scored(source, columns)
    valid = _col("valid")
    keep = exp.EQ(this=valid.copy(), expression=_num(1))
    has_latency = columns.has("latency_ms")
    binned_columns: list[exp.Expr] = [exp.Star()]
    binned_columns.append(exp.alias_(_as_flag(_valid(columns)), ident("valid")))
    if has_latency:
        lat = _col("v_latency_ms")
        # LN of a harmless 1 where latency is not positive (engines evaluate every CASE
        # branch): the first branches decide those rows.
        safe = _case((exp.GT(this=lat.copy(), expression=_num(0)), lat.copy()), default=_num(1))
        bin_expr = _case(
            (exp.Is(this=lat.copy(), expression=exp.null()), exp.null()),
            (exp.LTE(this=lat.copy(), expression=_num(0)), _num(ZERO_LATENCY_BIN)),
            default=exp.Cast(
                this=exp.Floor(this=exp.Mul(this=exp.Ln(this=safe),
                                            expression=_num(LATENCY_BINS_PER_UNIT))),
                to=exp.DataType.build("INTEGER")),
        )
        binned_columns.append(exp.alias_(bin_expr, ident("latency_bin")))
    binned = exp.select(*binned_columns).from_(ident("scored"))

    def kept(value: exp.Expr) -> exp.Expr:
        return exp.Sum(this=_case((keep.copy(), value), default=exp.null()))

    n = _col("n")
    sums: list[exp.Expr] = [
        exp.alias_(exp.Sum(this=valid.copy()), ident("rows")),
        exp.alias_(kept(n.copy()), ident("requests")),
    ]
    if columns.has("cost_usd"):
        sums.append(exp.alias_(kept(_col("v_cost_usd")), ident("cost_usd")))
    if has_latency:
        sums.append(exp.alias_(kept(exp.Mul(this=_col("v_latency_ms"), expression=n.copy())),
                               ident("latency_ms_requests")))
    if columns.has("escalated"):
        sums.append(exp.alias_(kept(exp.Mul(this=_col("v_escalated"), expression=n.copy())),
                               ident("escalated_requests")))
    if columns.correct_source is not None:
        labelled = _case((exp.Is(this=_col("v_correct"), expression=exp.null()), exp.null()),
                         default=n.copy())
        sums.append(exp.alias_(kept(labelled), ident("labelled_requests")))
        sums.append(exp.alias_(kept(exp.Mul(this=_col("v_correct"), expression=n.copy())),
                               ident("correct_requests")))
    for name in TOKEN_COLUMNS:
        if columns.has(name):
            # A row without a count adds 0 tokens, so a NaN sum can only be a NaN.
            sums.append(exp.alias_(kept(exp.Coalesce(this=_col(f"v_{name}"),
                                                     expressions=[_num(0)])), ident(name)))
    sums.append(exp.alias_(exp.Sum(this=exp.Sub(this=_num(1), expression=valid.copy())),
                           ident("invalid_rows")))

    detail = [_col("day"), _col("model"), *([_col("latency_bin")] if has_latency else [])]
    if columns.dimension is None:
        keys: list[exp.Expr] = [k.copy() for k in detail]
        group: list[exp.Expr] = [k.copy() for k in detail]
    else:
        keys = [_col("day"), _col("model"), _col("dimension"),
                *([_col("latency_bin")] if has_latency else [])]
        by_value = [_col("day"), _col("model"), _col("dimension")]
        group = [exp.GroupingSets(expressions=[
            exp.Tuple(expressions=[k.copy() for k in detail]),
            exp.Tuple(expressions=by_value),
        ])]
    query = exp.select(*[k.copy() for k in keys], *sums).from_(ident("binned"))
    query = query.group_by(*group)
    order = [_col("day"), _col("model")]
    return (query.order_by(*order).with_(ident("scored"), as_=scored)
            .with_(ident("binned"), as_=binned))


def aggregation_sql(columns: LogColumns | None = None, *, dialect: str = "duckdb",
                    by: str | None = None, table: str = TABLE_PLACEHOLDER) -> str:
    """The aggregation for a table of the log, rendered for `dialect`, after a fixed
    comment header (no user text in comments: a name may hold a newline)."""
    from sqlglot import exp

    if dialect not in DIALECTS:
        raise InputError(f"--dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    cols = columns if columns is not None else canonical_columns(by)
    query = aggregation_query(exp.Table(this=ident(table)), cols)
    header = "\n".join(_HEADER).format(dim=", dimension" if cols.dimension else "",
                                       by=" --by DIMENSION" if cols.dimension else "")
    return header + "\n" + query.sql(dialect=dialect, pretty=True) + ";\n"


# ------------------------------------------------------------------- reading logs


def _scan(kind: str, *, positions: bool) -> exp.Expr:
    """read_parquet(?, union_by_name = TRUE) or read_csv(?, header = TRUE): the file
    list is the statement's one prepared parameter, never text in the SQL."""
    from sqlglot import exp

    if kind == "parquet":
        options = ["union_by_name", *(("filename", "file_row_number") if positions else ())]
        return exp.Table(this=exp.ReadParquet(expressions=[
            exp.Placeholder(),
            *[exp.EQ(this=exp.Column(this=ident(o)), expression=exp.true()) for o in options]]))
    options = ["header", *(("filename",) if positions else ())]
    return exp.Table(this=exp.ReadCSV(this=exp.Placeholder(), expressions=[
        exp.EQ(this=exp.Column(this=ident(o)), expression=exp.true()) for o in options]))


def log_files(path: Path, source: str) -> tuple[str, list[Path]]:
    """("parquet" | "csv", files): a Parquet file, a folder of Parquet files, or a CSV."""
    from workbench.fileio import check_input

    if os.path.isdir(path) or path.suffix.lower() in (".parquet", ".pq"):
        return "parquet", parquet_files(path, source)
    st = check_input(path, source, what="log file")
    if st.st_size == 0:
        raise InputError("the file is empty", source=source)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise InputError("a production log is a CSV file, a Parquet file or a folder of "
                         "Parquet files", source=source)
    return "csv", [path]


def connect(memory_limit: str = DUCKDB_MEMORY_LIMIT, threads: int = DUCKDB_THREADS) -> Any:
    """A DuckDB connection with a memory limit, two threads, UTC and no progress bar."""
    import duckdb
    from sqlglot import exp

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,
                                 # Order is irrelevant for a GROUP BY and keeping it costs memory.
                                 "preserve_insertion_order": False})
    for name, value in (("enable_progress_bar", exp.false()),
                        ("TimeZone", exp.Literal.string("UTC"))):
        con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(
            this=exp.Column(this=ident(name)), expression=value))]).sql(dialect="duckdb"))
    return con


def describe(con: Any, kind: str, params: list[Any], source: str) -> dict[str, str]:
    """{header: DuckDB type} of the log."""
    import duckdb
    from sqlglot import exp

    query = exp.Describe(this=exp.select(exp.Star()).from_(_scan(kind, positions=False)))
    try:
        rows = con.execute(query.sql(dialect="duckdb"), params).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"cannot read as {'Parquet' if kind == 'parquet' else 'CSV'}: {exc}",
                         source=source) from None
    return {str(r[0]): str(r[1]) for r in rows}


_ACCEPTED = {
    "timestamp": "timestamp, ts, time, date, served_at",
    "model": "model, model_name, deployment, endpoint",
}


def log_columns(types: dict[str, str], mapping: dict[str, str] | None, by: str | None,
                source: str) -> LogColumns:
    """Match the headers, check their types and find the --by column."""
    headers = list(types)
    unknown = [h for h in (mapping or {}).values() if h not in headers]
    if unknown:
        raise InputError(f"--map: the log has no header {unknown[0]!r}; headers: "
                         f"{', '.join(repr(h) for h in headers)}", source=source)
    matches, notes = match_log_headers(headers, mapping)
    missing = [c for c in LOG_REQUIRED if c not in matches]
    if missing:
        raise InputError(
            f"missing column {missing[0]}; headers found: "
            f"{', '.join(repr(h) for h in headers) or '(none)'} (accepted names: "
            f"{_ACCEPTED[missing[0]]}, ...; or say which with --map {missing[0]}=HEADER)",
            source=source, column=missing[0])
    chosen: dict[str, ColumnMatch] = {c: m for c, m in matches.items() if c in LOG_COLUMNS}
    for column, match in chosen.items():
        kind = types[match.header].upper()
        if column in ("timestamp", "model", "label", "prediction"):
            continue
        if not _is_numeric(kind):
            what = "0/1 or true/false" if column in ("escalated", "correct") else "numbers"
            raise InputError(f"column has type {types[match.header]}; expected {what}",
                             source=source, column=match.header)
    dimension = None
    if by is not None:
        dimension = find_dimension(by, headers, source)
        taken = {m.header: c for c, m in chosen.items()}
        if dimension in taken and taken[dimension] != "model":
            raise InputError(f"--by {by}: that header is the log's {taken[dimension]}; "
                             "name a dimension (region, customer, library_version...)",
                             source=source, column=dimension)
    return LogColumns(
        headers={c: m.header for c, m in chosen.items()},
        factors={c: m.factor for c, m in chosen.items() if m.factor != 1.0},
        types={c: types[m.header] for c, m in chosen.items()},
        dimension=dimension,
        notes=tuple(notes),
    )


def find_dimension(by: str, headers: list[str], source: str) -> str:
    """The header --by names: as written, else the one whose snake_case name matches."""
    if by in headers:
        return by
    hits = [h for h in headers if snake(h) == snake(by)]
    if len(hits) == 1:
        return hits[0]
    from workbench.session.toml_v1 import did_you_mean

    raise InputError(f"--by {by}: the log has no such column{did_you_mean(by, headers)} "
                     f"(headers: {', '.join(repr(h) for h in headers)})", source=source)


def read_log(path: Path, *, mapping: dict[str, str] | None = None, by: str | None = None,
             source: str | None = None, memory_limit: str = DUCKDB_MEMORY_LIMIT,
             threads: int = DUCKDB_THREADS) -> LogAggregates:
    """Aggregate a production log (CSV, Parquet, folder of Parquet) with DuckDB."""
    import duckdb

    src = source or str(path)
    kind, files = log_files(path, src)
    params = [[str(f) for f in files]]
    con = connect(memory_limit, threads)
    try:
        columns = log_columns(describe(con, kind, params, src), mapping, by, src)
        query = aggregation_query(_scan(kind, positions=False), columns)
        try:
            frame = con.execute(query.sql(dialect="duckdb"), params).df()
        except duckdb.Error as exc:
            # A NaN where an integer is made (a latency bin) ends the query: name the row.
            _raise_first_invalid(kind, params, columns, src, found=False)
            raise InputError(f"cannot aggregate the log: {exc}", source=src) from None
        sums = [c for c in SUMS if c in frame.columns and c != "invalid_rows"]
        if len(frame) and (frame["invalid_rows"].fillna(0).sum() > 0
                           or _nan_in(frame, sums)):
            _raise_first_invalid(kind, params, columns, src)
    finally:
        con.close()
    if "dimension" in frame.columns:
        # The rolled-up set has no dimension; a missing value is "(missing)", never NULL.
        frame["_set"] = frame["dimension"].notna().astype(np.int8)
    return LogAggregates(src, _tidy(frame, src), columns, list(columns.notes))


def _nan_in(frame: pd.DataFrame, sums: list[str]) -> bool:
    """A NaN sum (a NaN in the log), as opposed to NULL from a group with no values:
    DuckDB hands both to pandas as NaN, so the groups' own counts tell them apart."""
    valid = frame["rows"].fillna(0) > 0
    for name in sums:
        if name in ("labelled_requests", "correct_requests"):
            has = frame.get("labelled_requests", pd.Series(0.0, index=frame.index)).fillna(0) > 0
        elif name == "latency_ms_requests":
            has = frame["latency_bin"].notna() if "latency_bin" in frame.columns else valid
        else:
            has = valid
        if (frame[name].isna() & has).any():
            return True
    return False


def _raise_first_invalid(kind: str, params: list[Any], columns: LogColumns, src: str,
                         found: bool = True) -> None:
    """Second pass, on the error path only: the first row that fails, with its file, row
    and the column at fault. `found=False`: return quietly when no row fails."""
    from sqlglot import exp

    con = connect()
    con.execute("SET preserve_insertion_order = true")
    try:
        scored = _scored(_scan(kind, positions=True), columns, guard=True)
        file_col = _col("filename")
        scored.select(exp.alias_(file_col, ident("_wb_file")), copy=False)
        if kind == "parquet":
            scored.select(exp.alias_(_col("file_row_number"), ident("_wb_row")), copy=False)
        else:
            scored.select(exp.alias_(exp.Window(this=exp.RowNumber()), ident("_wb_row")),
                          copy=False)
        query = (exp.select(exp.Star()).from_(scored.subquery(ident("scored")))
                 .where(exp.Not(this=exp.Coalesce(this=_valid(columns, guard=True),
                                                  expressions=[exp.false()])))
                 .order_by(_col("_wb_file"), _col("_wb_row")).limit(1))
        got = con.execute(query.sql(dialect="duckdb"), params).df()
    finally:
        con.close()
    if got.empty:
        if not found:
            return
        raise InputError("some rows failed validation", source=src)  # pragma: no cover
    row = got.iloc[0]
    file = str(row["_wb_file"])
    number = int(row["_wb_row"]) + (1 if kind == "parquet" else 0)
    raise InputError(_why_invalid(row, columns), source=file, row=number,
                     column=_culprit(row, columns))


def _bad(value: Any, low: float, high: float, optional: bool) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return not optional
    return not (low <= float(value) <= high)


_CHECKS: tuple[tuple[str, str, float, float, bool, str], ...] = (
    ("n", "batch_size", 1e-300, 1e308, False, "batch_size must be > 0"),
    ("v_cost_usd", "cost_usd", 0, 1e308, False, "cost must be a number >= 0"),
    ("v_latency_ms", "latency_ms", 0, 1e308, True, "latency must be >= 0"),
    ("v_escalated", "escalated", 0, 1, False, "escalated must be 0 or 1 (or a share 0..1)"),
    ("v_correct", "correct", 0, 1, True, "correct must be 0 or 1 (or a share 0..1)"),
    ("v_input_tokens", "input_tokens", 0, 1e308, True, "token counts must be >= 0"),
    ("v_output_tokens", "output_tokens", 0, 1e308, True, "token counts must be >= 0"),
    ("v_cached_input_tokens", "cached_input_tokens", 0, 1e308, True, "token counts must be >= 0"),
)


def _first_problem(row: Any, columns: LogColumns) -> tuple[str, str | None]:
    for name in ("batch_size", "cost_usd", "latency_ms", "escalated", "correct", *TOKEN_COLUMNS):
        flag = f"nan_{name}"
        if flag in row.index and bool(row[flag]) and not pd.isna(row[flag]):
            return ("NaN (not a number); leave the cell empty when the value is unknown",
                    columns.headers[name])
    if row.get("day") is None or pd.isna(row.get("day")):
        return ("timestamp missing or not a date-time", columns.headers.get("timestamp"))
    if row.get("model") is None or pd.isna(row.get("model")):
        return ("model missing", columns.headers.get("model"))
    for key, column, low, high, optional, message in _CHECKS:
        if key in row.index and _bad(row[key], low, high, optional):
            shown = row[key]
            got = "missing" if shown is None or pd.isna(shown) else f"{float(shown):g}"
            header = columns.headers.get(column) or columns.headers.get(
                "label" if column == "correct" else column)
            return (f"{message}, got {got}", header)
    return ("invalid row", None)


def _why_invalid(row: Any, columns: LogColumns) -> str:
    return _first_problem(row, columns)[0]


def _culprit(row: Any, columns: LogColumns) -> str | None:
    return _first_problem(row, columns)[1]


def _tidy(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Typed columns: day as datetime64 (midnight), model and dimension text, sums
    float (a sum over no rows is 0), latency_bin float with NaN for "no latency"."""
    if len(frame) == 0:
        raise InputError("no data rows", source=source)
    out = frame.copy()
    out["day"] = pd.to_datetime(out["day"]).dt.normalize()
    out["model"] = out["model"].astype(str)
    if "dimension" in out.columns:
        out["dimension"] = out["dimension"].astype(object)
    for name in SUMS:
        if name in out.columns:
            out[name] = pd.to_numeric(out[name], errors="coerce").fillna(0.0).astype(float)
    if "latency_bin" in out.columns:
        out["latency_bin"] = pd.to_numeric(out["latency_bin"], errors="coerce").astype(float)
    return out.reset_index(drop=True)


def read_aggregates(path: Path, source: str | None = None) -> LogAggregates:
    """The output of the emitted SQL, run in a warehouse and saved as CSV or Parquet."""
    from workbench.routing.log import read_table

    src = source or str(path)
    table = read_table(path, src)
    frame = table.to_pandas()
    if frame.empty:
        raise InputError("no data rows (the file has a header only)", source=src)
    lowered = {str(c).lower(): c for c in frame.columns}
    frame = frame.rename(columns={v: k for k, v in lowered.items()})
    missing = [c for c in ("day", "model", "rows", "requests", "invalid_rows")
               if c not in frame.columns]
    if missing:
        raise InputError(f"not the output of `workbench audit --emit-sql`: missing column "
                         f"{missing[0]}; headers found: {', '.join(map(repr, lowered.values()))}",
                         source=src, column=missing[0])
    invalid = pd.to_numeric(frame["invalid_rows"], errors="coerce").fillna(0)
    if invalid.sum() > 0:
        raise InputError(f"{int(invalid.sum()):,} rows of the source log failed validation in "
                         "the query (see the SQL's validity rules); fix the log", source=src,
                         column="invalid_rows")
    present = {c for c in SUMS if c in frame.columns}
    numeric = frame.copy()
    for name in present:
        numeric[name] = pd.to_numeric(numeric[name], errors="coerce")
    if _nan_in(numeric, sorted(present - {"invalid_rows"})):
        raise InputError("a sum is NaN: the source log holds a NaN (not a number) where a "
                         "number belongs; leave unknown values empty (NULL)", source=src)
    headers = {c: c for c in ("timestamp", "model")}
    for column, sum_name in (("cost_usd", "cost_usd"), ("latency_ms", "latency_ms_requests"),
                             ("escalated", "escalated_requests"), ("correct", "correct_requests"),
                             *((t, t) for t in TOKEN_COLUMNS)):
        if sum_name in present:
            headers[column] = column
    if "rows" in present:
        headers["batch_size"] = "batch_size"
    if "dimension" in frame.columns:
        dims = frame["dimension"]
        rolled_up = dims.isna() | (dims.astype(str) == "")  # a CSV writes NULL as ""
        frame["dimension"] = dims.where(~rolled_up, None)
        frame["_set"] = (~rolled_up).astype(np.int8)
    columns = LogColumns(headers, {}, {}, "dimension" if "dimension" in frame.columns else None)
    tidy = _tidy(frame, src)
    if "day" in tidy and tidy["day"].isna().any():
        raise InputError("a day is missing or not a date", source=src, column="day")
    return LogAggregates(src, tidy, columns, [])


def log_headers(path: Path, source: str | None = None) -> dict[str, str]:
    """{header: type} of a log without reading its rows (for --emit-sql with a log)."""
    src = source or str(path)
    kind, files = log_files(path, src)
    con = connect()
    try:
        return describe(con, kind, [[str(f) for f in files]], src)
    finally:
        con.close()


__all__ = [
    "KEYS", "SUMS", "TABLE_PLACEHOLDER", "LogAggregates", "LogColumns", "aggregation_query",
    "aggregation_sql", "canonical_columns", "log_columns", "log_headers", "read_aggregates",
    "read_log",
]
