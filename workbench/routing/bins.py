"""Per-confidence-bin counts of a replay log: the SQL, DuckDB out of core, bins files.

Every figure of a routing policy is a sum over items, so a log of any size
reduces to counts per (confidence bin, label, cheap correct, expensive correct,
forced) plus the loss-column sum per group. The same query runs in DuckDB over
Parquet here (``--streaming``) or in a team's warehouse (``--emit-sql``, rendered
for the ``--dialect`` asked for), and its small output feeds ``--bins``.

Column names come from users (session files, flags, Parquet headers), so no
statement here is ever built by pasting text: each one is a sqlglot expression
tree in which a name can only be an identifier (quoted by the generator for the
target dialect) and a number only a literal; Parquet paths reach DuckDB as a
prepared parameter. Comments in the emitted SQL are fixed wording.

duckdb and sqlglot are imported inside functions so importing workbench.routing
stays cheap.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import InputError
from workbench.routing.log import (
    column_as_float,
    match_columns,
    normalize_header,
    read_table,
    validate_arrays,
)
from workbench.routing.spec import SQL_DIALECTS
from workbench.routing.sweep import BinCounts

if TYPE_CHECKING:
    from sqlglot import exp

TABLE_PLACEHOLDER = "replay_log"
DUCKDB_MEMORY_LIMIT = "512MB"
DUCKDB_THREADS = 2
# Dialects --emit-sql renders for; DuckDB, the default, is also what --streaming runs.
DIALECTS: tuple[str, ...] = SQL_DIALECTS
DEFAULT_DIALECT = SQL_DIALECTS[0]
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
_REQUIRED_INPUTS = ("label", "cheap_score", "expensive_score")
# Plain ASCII names stay bare: an unquoted name is case-insensitive everywhere, while a
# quoted one is case-sensitive in Snowflake and PostgreSQL ("amount" would miss AMOUNT).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Fixed, generic header of the emitted SQL. It holds no user text (no column names, no
# table name): a name may contain anything, a newline included, and a comment is the
# one place where quoting cannot protect it. The bin count is an int we format.
_HEADER = (
    "-- workbench route: per-confidence-bin counts of a replay log ({bins:d} bins of the",
    "-- cheap model's confidence max(p, 1 - p) over [0.5, 1]).",
    "-- Point the FROM clause at your table or view. It needs numeric columns label (0/1),",
    "-- cheap_score and expensive_score (probabilities of the positive class), plus every",
    "-- other column the query names (forced-escalation rules, loss); alias yours to these",
    "-- names and cast scores to double precision first.",
    "-- Save the result as CSV or Parquet and run: "
    "workbench route --bins FILE --bin-count {bins:d}",
)


@functools.cache
def _keywords() -> frozenset[str]:
    """Words any of our dialects reserves or tokenizes as a keyword: never left bare."""
    from sqlglot.dialects.dialect import Dialect

    words: set[str] = set()
    for name in DIALECTS:
        dialect = Dialect.get_or_raise(name)
        words.update(k.upper() for k in dialect.tokenizer_class.KEYWORDS if " " not in k)
        words.update(k.upper() for k in dialect.generator_class.RESERVED_KEYWORDS)
    return frozenset(words)


def ident(name: str) -> exp.Identifier:
    """A column or table name as an identifier node: bare when it is a plain ASCII name
    that no dialect reserves, otherwise quoted (the generator escapes the quote
    character of each dialect inside it)."""
    from sqlglot import exp

    bare = _PLAIN_NAME.fullmatch(name) is not None and name.upper() not in _keywords()
    return exp.Identifier(this=name, quoted=not bare)


def _col(name: str) -> exp.Column:
    from sqlglot import exp

    return exp.Column(this=ident(name))


def _num(value: float | int) -> exp.Expr:
    """A number literal. repr round-trips a double, so the warehouse compares against
    the same number; a sign is a unary minus node, never part of the text."""
    from sqlglot import exp

    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        magnitude: exp.Expr = exp.Literal.number(str(abs(int(value))))
        return exp.Neg(this=magnitude) if value < 0 else magnitude
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"not a finite number: {number!r}")
    literal = exp.Literal.number(repr(abs(number)))
    return exp.Neg(this=literal) if np.signbit(number) else literal


def _case(*branches: tuple[exp.Expr, exp.Expr], default: exp.Expr) -> exp.Case:
    from sqlglot import exp

    case = exp.Case()
    for condition, then in branches:
        case = case.when(condition, then, copy=False)
    return case.else_(default, copy=False)


def _as_flag(condition: exp.Expr) -> exp.Case:
    """CASE WHEN condition THEN 1 ELSE 0 END (NULL counts as 0)."""
    return _case((condition, _num(1)), default=_num(0))


def _finite(name: str) -> exp.Expr:
    from sqlglot import exp

    # BETWEEN on huge bounds rejects NULL and NaN in one portable test.
    return exp.Between(this=_col(name), low=_num(-1e308), high=_num(1e308))


def _valid_condition(extra: list[str]) -> exp.Expr:
    """label 0/1, both scores in [0, 1] and every extra column finite (not NULL/NaN)."""
    from sqlglot import exp

    terms: list[exp.Expr] = [
        exp.In(this=_col("label"), expressions=[_num(0), _num(1)]),
        exp.Between(this=_col("cheap_score"), low=_num(0), high=_num(1)),
        exp.Between(this=_col("expensive_score"), low=_num(0), high=_num(1)),
        *[_finite(c) for c in extra if c not in _REQUIRED_INPUTS],
    ]
    return exp.and_(*terms, copy=False)


def forced_condition(
    escalate_when: tuple[str, ...], escalate_above: dict[str, float]
) -> exp.Expr | None:
    """The forced-escalation rules as one OR condition; None when there are none."""
    from sqlglot import exp

    terms: list[exp.Expr] = [exp.NEQ(this=_col(c), expression=_num(0)) for c in escalate_when]
    terms += [exp.GT(this=_col(c), expression=_num(v)) for c, v in escalate_above.items()]
    return exp.or_(*terms, copy=False) if terms else None


def _aggregation_query(
    source: exp.Expr,
    *,
    decision_threshold: float,
    escalate_when: tuple[str, ...],
    escalate_above: dict[str, float],
    loss_column: str | None,
    bin_count: int,
) -> exp.Select:
    """The aggregation as an expression tree reading from ``source`` (a table or a
    subquery). Rows that fail validation land in bin -1."""
    from sqlglot import exp

    if isinstance(bin_count, bool) or not isinstance(bin_count, (int, np.integer)) or bin_count < 2:
        raise ValueError(f"bin_count must be an integer >= 2, got {bin_count!r}")
    bins = int(bin_count)
    extra = list(dict.fromkeys([*escalate_when, *escalate_above,
                                *([loss_column] if loss_column else [])]))
    cheap, expensive, label = _col("cheap_score"), _col("expensive_score"), _col("label")
    confidence, valid = _col("confidence"), _col("valid")

    def correct(score: exp.Column) -> exp.Case:
        predicted = _as_flag(exp.GTE(this=score.copy(), expression=_num(decision_threshold)))
        return _as_flag(exp.EQ(this=exp.Paren(this=predicted), expression=label.copy()))

    forced = forced_condition(tuple(escalate_when), escalate_above)
    scored_columns: list[exp.Expr] = [
        # Out-of-range scores get a harmless confidence so no engine ever casts NaN
        # to INTEGER (DuckDB evaluates CASE branches eagerly); valid = 0 marks them.
        exp.alias_(
            _case(
                (exp.and_(exp.GTE(this=cheap.copy(), expression=_num(0.5)),
                          exp.LTE(this=cheap.copy(), expression=_num(1))), cheap.copy()),
                (exp.and_(exp.GTE(this=cheap.copy(), expression=_num(0)),
                          exp.LT(this=cheap.copy(), expression=_num(0.5))),
                 exp.Sub(this=_num(1), expression=cheap.copy())),
                default=_num(0.5),
            ),
            ident("confidence"),
        ),
        label.copy(),
        exp.alias_(correct(cheap), ident("cheap_correct")),
        exp.alias_(correct(expensive), ident("expensive_correct")),
        exp.alias_(_as_flag(forced) if forced is not None else _num(0), ident("forced")),
    ]
    if loss_column:
        scored_columns.append(exp.alias_(_col(loss_column), ident("loss")))
    scored_columns.append(exp.alias_(_as_flag(_valid_condition(extra)), ident("valid")))
    scored = exp.select(*scored_columns).from_(source)

    group = [_col(c) for c in ("label", "cheap_correct", "expensive_correct", "forced")]
    bin_expr = _case(
        (exp.EQ(this=valid, expression=_num(0)), _num(-1)),
        (exp.GTE(this=confidence, expression=_num(1)), _num(bins - 1)),
        default=exp.Cast(
            this=exp.Floor(
                this=exp.Mul(
                    this=exp.Paren(this=exp.Sub(this=confidence.copy(), expression=_num(0.5))),
                    expression=_num(2 * bins),
                )
            ),
            to=exp.DataType.build("INTEGER"),
        ),
    )
    binned = exp.select(
        exp.alias_(bin_expr, ident("bin")),
        *[g.copy() for g in group],
        *([_col("loss")] if loss_column else []),
    ).from_(ident("scored"))

    keys = [_col("bin"), *group]
    outputs: list[exp.Expr] = [k.copy() for k in keys]
    outputs.append(exp.alias_(exp.Count(this=exp.Star()), ident("n")))
    if loss_column:
        outputs.append(exp.alias_(exp.Sum(this=_col("loss")), ident("loss_sum")))
    return (
        exp.select(*outputs)
        .from_(ident("binned"))
        .group_by(*[k.copy() for k in keys])
        .order_by(*[k.copy() for k in keys])
        .with_(ident("scored"), as_=scored)
        .with_(ident("binned"), as_=binned)
    )


def aggregation_sql(
    *,
    decision_threshold: float = 0.5,
    escalate_when: tuple[str, ...] = (),
    escalate_above: dict[str, float] | None = None,
    loss_column: str | None = None,
    bin_count: int = 10_000,
    table: str = TABLE_PLACEHOLDER,
    dialect: str = DEFAULT_DIALECT,
) -> str:
    """The aggregation SQL for a table of the replay log, rendered for ``dialect``
    (one of ``DIALECTS``): one statement after a fixed comment header.

    Only CASE, FLOOR, CAST, COUNT and SUM. Rows that fail validation (label not
    0/1, score outside 0-1, NULL or NaN) land in bin -1 so a bad log is reported
    instead of silently counted. ``table`` is one name, quoted like a column.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    from sqlglot import exp

    query = _aggregation_query(
        exp.Table(this=ident(table)),
        decision_threshold=decision_threshold,
        escalate_when=tuple(escalate_when),
        escalate_above=escalate_above or {},
        loss_column=loss_column,
        bin_count=bin_count,
    )
    header = "\n".join(_HEADER).format(bins=int(bin_count))
    return header + "\n" + query.sql(dialect=dialect, pretty=True) + ";\n"


def parquet_files(path: Path, source: str) -> list[Path]:
    """The Parquet files of a log: the file itself, or every .parquet file in a folder
    (regular files only: a FIFO or device among them would block DuckDB's reader)."""
    from workbench.fileio import check_input

    if os.path.isdir(path):
        files = sorted(
            p for p in path.rglob("*")
            if p.suffix.lower() in (".parquet", ".pq") and (p.is_file() or p.is_symlink())
        )
        if not files:
            raise InputError("the folder holds no .parquet files", source=source)
        for file in files:
            check_input(file, str(file), what="log file")
        return files
    st = check_input(path, source, what="log file")
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise InputError("out-of-core (--streaming) reading needs Parquet; convert the CSV first",
                         source=source)
    if st.st_size == 0:
        raise InputError("the file is empty", source=source)
    return [path]


_NUMERIC_DUCK = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|REAL)$"
)


def _parquet_scan(*, positions: bool) -> exp.ReadParquet:
    """read_parquet(?, union_by_name = TRUE[, filename = TRUE, file_row_number = TRUE]):
    the file list is the statement's one prepared parameter, never text in the SQL."""
    from sqlglot import exp

    options = ("union_by_name", "filename", "file_row_number") if positions else ("union_by_name",)
    return exp.ReadParquet(
        expressions=[
            exp.Placeholder(),
            *[exp.EQ(this=exp.Column(this=ident(o)), expression=exp.true()) for o in options],
        ]
    )


def _log_view(mapping: dict[str, str]) -> exp.Subquery:
    """The log as the aggregation sees it: each input as a DOUBLE under its requested
    name, plus file and row for error messages, as a subquery named replay_log
    (DuckDB cannot prepare a CREATE VIEW, so the scan is inlined where it is used)."""
    from sqlglot import exp

    double = exp.DataType.build("DOUBLE")
    columns: list[exp.Expr] = []
    for name, header in mapping.items():
        value = exp.Cast(this=_col(header), to=double.copy())
        # NaN becomes NULL here: Parquet min/max statistics leave NaN out, and
        # DuckDB folds e.g. "score <= 1" to TRUE from them, so a NaN would slip
        # past validation. NULL is tracked by the statistics and fails honestly.
        columns.append(
            exp.alias_(_case((exp.IsNan(this=value), exp.null()), default=value.copy()),
                       ident(name))
        )
    columns.append(exp.alias_(_col("filename"), ident("_wb_file")))
    columns.append(exp.alias_(_col("file_row_number"), ident("_wb_row")))
    return exp.select(*columns).from_(exp.Table(this=_parquet_scan(positions=True))).subquery(
        ident(TABLE_PLACEHOLDER)
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
    from sqlglot import exp

    src = source or str(path)
    escalate_above = escalate_above or {}
    files = parquet_files(path, src)
    params = [[str(f) for f in files]]
    extra = tuple(dict.fromkeys([*escalate_when, *escalate_above,
                                 *([loss_column] if loss_column else [])]))
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            # Order is irrelevant for a GROUP BY and keeping it costs memory.
            "preserve_insertion_order": False,
        }
    )
    try:
        # The progress bar writes to the terminal and would corrupt --format json
        # (a session setting: DuckDB refuses it in the connect config).
        no_progress = exp.Set(
            expressions=[
                exp.SetItem(this=exp.EQ(this=_col("enable_progress_bar"), expression=exp.false()))
            ]
        )
        con.execute(no_progress.sql(dialect="duckdb"))
        describe = exp.Describe(
            this=exp.select(exp.Star()).from_(exp.Table(this=_parquet_scan(positions=False)))
        )
        try:
            described = con.execute(describe.sql(dialect="duckdb"), params).fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read as Parquet: {exc}", source=src) from exc
        types = {row[0]: str(row[1]) for row in described}
        mapping = match_columns(list(types), extra, src)
        for header in mapping.values():
            if not _NUMERIC_DUCK.match(types[header].upper()):
                raise InputError(f"column has type {types[header]}; expected numbers", source=src,
                                 column=header)
        query = _aggregation_query(
            _log_view(mapping),
            decision_threshold=decision_threshold,
            escalate_when=tuple(escalate_when),
            escalate_above=escalate_above,
            loss_column=loss_column,
            bin_count=bin_count,
        )
        try:
            got = con.execute(query.sql(dialect="duckdb"), params).fetchnumpy()
        except duckdb.Error as exc:
            raise InputError(f"aggregation failed: {exc}", source=src) from exc
        bins = np.asarray(got["bin"], dtype=np.int64)
        if bins.size == 0:
            raise InputError("no data rows", source=src)
        if (bins < 0).any():
            _raise_first_invalid(con, mapping, params, src)
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


def _raise_first_invalid(con: Any, mapping: dict[str, str], params: list[Any], src: str) -> None:
    """Second pass, only on the error path: find and describe the first bad row."""
    from sqlglot import exp

    names = list(mapping)
    position = [_col("_wb_file"), _col("_wb_row")]
    query = (
        exp.select(*[p.copy() for p in position], *[_col(n) for n in names])
        .from_(_log_view(mapping))
        .where(exp.Not(this=exp.Coalesce(this=_valid_condition(names), expressions=[exp.false()])))
        .order_by(*position)
        .limit(1)
    )
    row = con.execute(query.sql(dialect="duckdb"), params).fetchone()
    if row is None:  # pragma: no cover - the aggregation said there was one
        raise InputError("some rows are invalid (label not 0/1, score outside 0-1 or missing)",
                         source=src)
    file, offset = str(row[0]), int(row[1])
    values = {n: np.array([np.nan if v is None else float(v)]) for n, v in zip(names, row[2:])}
    validate_arrays(values, mapping, file, row_offset=offset)
    raise InputError("invalid row (label not 0/1, score outside 0-1 or missing)", source=file,
                     row=offset + 1)


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
            f"{', '.join(repr(h) for h in headers) or '(none)'}; expected "
            f"{', '.join(BIN_COLUMNS)}[, loss_sum]",
            source=src,
            column=missing[0],
        )
    if table.num_rows == 0:
        raise InputError("no data rows (the file has a header only)", source=src)
    vals = {name: column_as_float(table, header, src) for name, header in mapping.items()}

    def bad(name: str, mask: np.ndarray, what: str) -> None:
        if mask.any():
            i = int(np.argmax(mask))
            raise InputError(f"{what}, got {vals[name][i]:g}", source=src, row=i + 1,
                             column=mapping[name])

    for name in vals:
        bad(name, np.isnan(vals[name]), "missing value")
    b = vals["bin"]
    bad("bin", b == -1, "rows of the source log failed validation in the query (bin -1: label "
        "not 0/1, score outside 0-1, NULL or NaN); fix the log")
    bad("bin", (b != np.floor(b)) | (b < 0) | (b >= bin_count),
        f"bin must be an integer in 0..{bin_count - 1} (is --bin-count the one the query used?)")
    for name in ("label", "cheap_correct", "expensive_correct", "forced"):
        bad(name, (vals[name] != 0) & (vals[name] != 1), f"{name} must be 0 or 1")
    bad("n", (vals["n"] != np.floor(vals["n"])) | (vals["n"] < 0), "n must be a whole number >= 0")
    if "loss_sum" in vals:
        bad("loss_sum", ~np.isfinite(vals["loss_sum"]), "loss_sum must be finite")
    if vals["n"].sum() <= 0:
        raise InputError("the bins file counts no items (n sums to 0)", source=src,
                         column=mapping["n"])
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
