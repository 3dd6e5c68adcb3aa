"""Out of core for any layout and tier count: per-cell counts by SQL, and back.

``bins.py`` aggregates the original two-model binary log (cheap_score,
expensive_score). This module does the same for the other layouts (``score_<model>``
per model, or ``correct_<model>`` and ``confidence_<model>``) and 2 to 4 tiers:

* binary: one row per (bin_1, .., bin_{k-1}, label, correct_1, .., correct_k, forced)
  with n and, with a loss column, loss_sum. Bins of each routing tier's confidence
  max(p, 1 - p) over [0.5, 1], as in bins.py.
* quality: one row per (bin_1, .., bin_{k-1}, forced) with n and quality_1 ..
  quality_k (the sum of each model's correct_<model>). Confidence is any number, so
  its bins span its minimum to maximum over the valid rows (columns conf_lo_m and
  conf_hi_m of the output carry them); ``graded`` is 1 when some quality is neither 0
  nor 1.

Bins per routing tier: ``bin_count`` for two tiers, ``grid`` for three or four (the
groups grow as bins^(k-1)). The statement is built as a sqlglot tree with the helpers
of ``bins.py`` (names are identifiers, numbers literals, no user text in the fixed
comment header), rendered for DuckDB, Spark SQL, BigQuery or Snowflake. Rows that fail
validation land in bin -1 so a bad log is reported, never silently counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import InputError
from workbench.routing.bins import (
    _NUMERIC_DUCK,
    DIALECTS,
    DUCKDB_MEMORY_LIMIT,
    DUCKDB_THREADS,
    TABLE_PLACEHOLDER,
    _as_flag,
    _case,
    _col,
    _finite,
    _log_view,
    _num,
    _parquet_scan,
    forced_condition,
    ident,
    parquet_files,
)
from workbench.routing.cascade import Tallies, Units, grid_tallies
from workbench.routing.log import column_as_float, read_table, validate_arrays
from workbench.routing.spec import RoutingSpec
from workbench.routing.sweep import ESCALATE_ALL

if TYPE_CHECKING:
    from sqlglot import exp


def tier_bins(spec: RoutingSpec, k: int) -> int:
    """Bins per routing tier: bin_count for two tiers, grid for three or four."""
    return spec.bin_count if k == 2 else spec.grid


@dataclass(frozen=True)
class Inputs:
    """Source column of each input: label, scores or qualities and confidences."""

    kind: str
    label: str | None
    score: tuple[str, ...] = ()
    correct: tuple[str, ...] = ()
    confidence: tuple[str, ...] = ()  # routing tiers only (k - 1)

    @property
    def tiers(self) -> int:
        return len(self.score) if self.kind == "binary" else len(self.correct)


def _query(
    source: exp.Expr, inputs: Inputs, *, decision_threshold: float, escalate_when: tuple[str, ...],
    escalate_above: dict[str, float], loss_column: str | None, bins: int,
) -> exp.Select:
    from sqlglot import exp

    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    bins = int(bins)
    k = inputs.tiers
    extras = list(dict.fromkeys([*escalate_when, *escalate_above,
                                 *([loss_column] if loss_column else [])]))
    forced = forced_condition(tuple(escalate_when), escalate_above)
    valid_terms: list[exp.Expr] = []
    scored: list[exp.Expr] = []
    if inputs.kind == "binary":
        assert inputs.label is not None
        label = _col(inputs.label)
        valid_terms.append(exp.In(this=label.copy(), expressions=[_num(0), _num(1)]))
        for s in inputs.score:
            valid_terms.append(exp.Between(this=_col(s), low=_num(0), high=_num(1)))
        for m in range(k - 1):
            score = _col(inputs.score[m])
            # Out-of-range scores get a harmless confidence so no engine ever casts NaN
            # to INTEGER (DuckDB evaluates CASE branches eagerly); valid = 0 marks them.
            scored.append(exp.alias_(_case(
                (exp.and_(exp.GTE(this=score.copy(), expression=_num(0.5)),
                          exp.LTE(this=score.copy(), expression=_num(1))),
                 score.copy()),
                (exp.and_(exp.GTE(this=score.copy(), expression=_num(0)),
                          exp.LT(this=score.copy(), expression=_num(0.5))),
                 exp.Sub(this=_num(1), expression=score.copy())),
                default=_num(0.5),
            ), ident(f"_wb_c{m + 1}")))
        scored.append(exp.alias_(label.copy(), ident("_wb_y")))
        for m in range(k):
            predicted = _as_flag(exp.GTE(this=_col(inputs.score[m]),
                                         expression=_num(decision_threshold)))
            scored.append(exp.alias_(
                _as_flag(exp.EQ(this=exp.Paren(this=predicted), expression=label.copy())),
                ident(f"_wb_ok{m + 1}")
            ))
    else:
        for q in inputs.correct:
            valid_terms.append(exp.Between(this=_col(q), low=_num(0), high=_num(1)))
        for c in inputs.confidence:
            valid_terms.append(_finite(c))
        for m, c in enumerate(inputs.confidence):
            scored.append(exp.alias_(_case((_finite(c), _col(c)), default=_num(0)),
                                     ident(f"_wb_c{m + 1}")))
        for m, q in enumerate(inputs.correct):
            in_range = exp.Between(this=_col(q), low=_num(0), high=_num(1))
            scored.append(exp.alias_(_case((in_range, _col(q)), default=_num(0)),
                                     ident(f"_wb_q{m + 1}")))
    valid_terms += [_finite(c) for c in extras]
    scored.append(exp.alias_(_as_flag(forced) if forced is not None else _num(0),
                             ident("_wb_forced")))
    if loss_column and inputs.kind == "binary":
        scored.append(exp.alias_(_col(loss_column), ident("_wb_loss")))
    scored.append(exp.alias_(_as_flag(exp.and_(*valid_terms, copy=False)), ident("_wb_valid")))
    scored_q = exp.select(*scored).from_(source)
    valid = _col("_wb_valid")
    invalid = exp.EQ(this=valid.copy(), expression=_num(0))

    bin_cols: list[exp.Expr] = []
    if inputs.kind == "binary":
        for m in range(k - 1):
            conf = _col(f"_wb_c{m + 1}")
            bin_cols.append(exp.alias_(_case(
                (invalid.copy(), _num(-1)),
                (exp.GTE(this=conf.copy(), expression=_num(1)), _num(bins - 1)),
                default=exp.Cast(this=exp.Floor(this=exp.Mul(
                    this=exp.Paren(this=exp.Sub(this=conf.copy(), expression=_num(0.5))),
                    expression=_num(2 * bins),
                )), to=exp.DataType.build("INTEGER")),
            ), ident(f"bin_{m + 1}")))
        keys = ["_wb_y", *[f"_wb_ok{m + 1}" for m in range(k)], "_wb_forced"]
        out_names = ["label", *[f"correct_{m + 1}" for m in range(k)], "forced"]
        binned = exp.select(*bin_cols, *[_col(x) for x in keys],
                            *([_col("_wb_loss")] if loss_column else [])).from_(ident("scored"))
        groups = [f"bin_{m + 1}" for m in range(k - 1)] + keys
        outputs: list[exp.Expr] = [_col(f"bin_{m + 1}") for m in range(k - 1)]
        outputs += [exp.alias_(_col(x), ident(o)) for x, o in zip(keys, out_names)]
        outputs.append(exp.alias_(exp.Count(this=exp.Star()), ident("n")))
        if loss_column:
            outputs.append(exp.alias_(exp.Sum(this=_col("_wb_loss")), ident("loss_sum")))
        query = (
            exp.select(*outputs).from_(ident("binned"))
            .group_by(*[_col(g) for g in groups])
            .order_by(*[_col(g) for g in groups])
            .with_(ident("scored"), as_=scored_q)
            .with_(ident("binned"), as_=binned)
        )
        return query

    # Quality: bins between each confidence's minimum and maximum over the valid rows.
    bounds = exp.select(*[
        item for m in range(k - 1) for item in (
            exp.alias_(exp.Min(this=_col(f"_wb_c{m + 1}")), ident(f"_wb_lo{m + 1}")),
            exp.alias_(exp.Max(this=_col(f"_wb_c{m + 1}")), ident(f"_wb_hi{m + 1}")),
        )
    ]).from_(ident("scored")).where(exp.EQ(this=valid.copy(), expression=_num(1)))
    placed_cols: list[exp.Expr] = []
    for m in range(k - 1):
        conf, lo, hi = _col(f"_wb_c{m + 1}"), _col(f"_wb_lo{m + 1}"), _col(f"_wb_hi{m + 1}")
        # Built once and copied at each use: a sqlglot node belongs to one parent.
        ratio = exp.Mul(this=exp.Paren(this=exp.Div(
            this=exp.Paren(this=exp.Sub(this=conf.copy(), expression=lo.copy())),
            expression=exp.Paren(this=exp.Sub(this=hi.copy(), expression=lo.copy())),
        )), expression=_num(float(bins)))

        # Clamped into [0, bins - 1] before FLOOR and CAST (engines evaluate CASE
        # branches eagerly; NaN compares false in some engines and largest in others,
        # and both land on a safe branch here).
        placed_cols.append(exp.alias_(_case(
            (exp.or_(invalid.copy(),
                     exp.Not(this=exp.Paren(this=exp.GT(this=hi.copy(), expression=lo.copy())))),
             _num(0.0)),
            (exp.Between(this=ratio.copy(), low=_num(0.0), high=_num(float(bins - 1))),
             ratio.copy()),
            (exp.GT(this=ratio.copy(), expression=_num(float(bins - 1))), _num(float(bins - 1))),
            default=_num(0.0),
        ), ident(f"_wb_r{m + 1}")))
    placed = exp.select(
        *placed_cols, valid.copy(), _col("_wb_forced"), *[_col(f"_wb_q{m + 1}") for m in range(k)],
        *[_col(f"_wb_{b}{m + 1}") for m in range(k - 1) for b in ("lo", "hi")],
    ).from_(ident("scored")).join(exp.Table(this=ident("bounds")), join_type="cross")
    binned_cols: list[exp.Expr] = []
    for m in range(k - 1):
        binned_cols.append(exp.alias_(_case(
            (invalid.copy(), _num(-1)),
            default=exp.Cast(this=exp.Floor(this=_col(f"_wb_r{m + 1}")),
                             to=exp.DataType.build("INTEGER")),
        ), ident(f"bin_{m + 1}")))
    graded_terms = [exp.In(this=_col(f"_wb_q{m + 1}"), expressions=[_num(0), _num(1)])
                    for m in range(k)]
    binned = exp.select(
        *binned_cols, _col("_wb_forced"), *[_col(f"_wb_q{m + 1}") for m in range(k)],
        *[_col(f"_wb_{b}{m + 1}") for m in range(k - 1) for b in ("lo", "hi")],
        exp.alias_(_case((exp.and_(*graded_terms, copy=False), _num(0)), default=_num(1)),
                   ident("_wb_graded")),
    ).from_(ident("placed"))
    bin_keys = [f"bin_{m + 1}" for m in range(k - 1)]
    bound_keys = [f"_wb_{b}{m + 1}" for m in range(k - 1) for b in ("lo", "hi")]
    bound_names = [f"conf_{b}_{m + 1}" for m in range(k - 1) for b in ("lo", "hi")]
    outputs = [_col(b) for b in bin_keys]
    outputs.append(exp.alias_(_col("_wb_forced"), ident("forced")))
    outputs += [exp.alias_(_col(x), ident(o)) for x, o in zip(bound_keys, bound_names)]
    outputs.append(exp.alias_(exp.Count(this=exp.Star()), ident("n")))
    outputs += [exp.alias_(exp.Sum(this=_col(f"_wb_q{m + 1}")), ident(f"quality_{m + 1}"))
                for m in range(k)]
    outputs.append(exp.alias_(exp.Max(this=_col("_wb_graded")), ident("graded")))
    groups = [*bin_keys, "_wb_forced", *bound_keys]
    return (
        exp.select(*outputs).from_(ident("binned"))
        .group_by(*[_col(g) for g in groups])
        .order_by(*[_col(g) for g in [*bin_keys, "_wb_forced"]])
        .with_(ident("scored"), as_=scored_q).with_(ident("bounds"), as_=bounds)
        .with_(ident("placed"), as_=placed).with_(ident("binned"), as_=binned)
    )


def _header(kind: str, k: int, bins: int) -> str:
    # Fixed wording: no model or column names (a name may hold anything, and a comment
    # is the one place quoting cannot protect). Only integers are formatted in.
    if kind == "binary":
        lines = (
            # One element per output line (the SQL's comment header).
            f"-- workbench route: per-cell counts of a {k:d}-model binary replay log "
            f"({bins:d} bins per routing",
            "-- model of its confidence max(p, 1 - p) over [0.5, 1]).",
            "-- Point the FROM clause at your table or view. "
            "It needs numeric columns label (0/1) and",
            "-- score_<model> for each model (probability of the positive class), plus every other",
            "-- column the query names (forced-escalation rules, loss); "
            "cast scores to double first.",
        )
    else:
        lines = (
            f"-- workbench route: per-cell sums of a {k:d}-model quality replay log "
            f"({bins:d} bins per routing",
            "-- model between its confidence's minimum and maximum).",
            "-- Point the FROM clause at your table or view. "
            "It needs numeric columns correct_<model>",
            "-- (0/1 or graded 0-1) for each model and confidence_<model> "
            "for each but the last, plus",
            "-- every other column the query names (forced-escalation rules); "
            "cast to double first.",
        )
    tail = ("-- Save the result as CSV or Parquet and run: workbench route --bins FILE "
            f"--models ... --{'bin-count' if k == 2 else 'grid'} {bins:d}")
    return "\n".join((*lines, tail))


def _emit_inputs(spec: RoutingSpec) -> Inputs:
    models = spec.models
    if not models:
        raise InputError("--emit-sql for the quality format needs --models A,B[,C,D]", key="models")
    if spec.log_format == "quality":
        return Inputs("quality", None, correct=tuple(f"correct_{m}" for m in models),
                      confidence=tuple(f"confidence_{m}" for m in models[:-1]))
    return Inputs("binary", "label", score=tuple(f"score_{m}" for m in models))


def cascade_sql(spec: RoutingSpec, *, table: str = TABLE_PLACEHOLDER,
                dialect: str = "duckdb") -> str:
    """The aggregation SQL of a ``models`` cascade over table ``table`` for ``dialect``.

    Columns are score_<model> (binary, ``log_format`` auto or binary) or correct_<model>
    and confidence_<model> (``log_format`` quality), named after ``spec.models``."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    from sqlglot import exp

    inputs = _emit_inputs(spec)
    if spec.loss_column and inputs.kind != "binary":
        raise InputError("loss_column applies to binary logs only", key="loss_column")
    bins = tier_bins(spec, inputs.tiers)
    query = _query(
        exp.Table(this=ident(table)), inputs, decision_threshold=spec.decision_threshold,
        escalate_when=spec.escalate_when, escalate_above=spec.escalate_above,
        loss_column=spec.loss_column,
        bins=bins,
    )
    return (_header(inputs.kind, inputs.tiers, bins) + "\n"
            + query.sql(dialect=dialect, pretty=True) + ";\n")


# -------------------------------------------------------------------- DuckDB


@dataclass
class Groups:
    """The aggregation's output as arrays (one entry per group)."""

    kind: str
    tiers: int
    bins: int
    bin: list[np.ndarray]  # k - 1 arrays, 0..bins-1
    forced: np.ndarray  # bool
    n: np.ndarray  # int64
    label: np.ndarray | None = None  # bool
    correct: list[np.ndarray] | None = None  # bool, binary
    loss_sum: np.ndarray | None = None
    quality: list[np.ndarray] | None = None  # float sums, quality
    lo: list[float] | None = None
    hi: list[float] | None = None
    graded: bool = False


def aggregate_cascade_parquet(
    path: Path, spec: RoutingSpec, *, source: str | None = None,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
    threads: int = DUCKDB_THREADS,
) -> tuple[Groups, tuple[str, ...]]:
    """Run the aggregation over a Parquet file or folder with DuckDB, out of core.
    Returns the groups and the tier names."""
    import duckdb
    from sqlglot import exp

    from workbench.routing.formats import detect_layout, extra_columns
    from workbench.routing.log import match_extra

    src = source or str(path)
    files = parquet_files(path, src)
    params = [[str(f) for f in files]]
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,
                                 "preserve_insertion_order": False})
    try:
        con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(
            this=_col("enable_progress_bar"), expression=exp.false()))]).sql(dialect="duckdb"))
        describe = exp.Describe(
            this=exp.select(exp.Star()).from_(exp.Table(this=_parquet_scan(positions=False)))
        )
        try:
            described = con.execute(describe.sql(dialect="duckdb"), params).fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read as Parquet: {exc}", source=src) from exc
        types = {row[0]: str(row[1]) for row in described}
        headers = list(types)
        layout = detect_layout(headers, spec, src)
        if layout.legacy:
            raise InputError("this log has cheap_score/expensive_score columns: leave --models and "
                             "--log-format out to stream it", source=src, key="models")
        k = len(layout.names)
        extras, missing = match_extra(headers, extra_columns(spec), src)
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}; headers found: "
                             f"{', '.join(repr(h) for h in headers)}",
                             source=src, column=missing[0])
        mapping: dict[str, str] = {}
        kinds: dict[str, str] = {}
        if layout.kind == "binary":
            assert layout.label is not None
            mapping["_wb_in_label"] = layout.label
            kinds["_wb_in_label"] = "label"
            for m, h in enumerate(layout.score):
                mapping[f"_wb_in_s{m + 1}"] = h
                kinds[f"_wb_in_s{m + 1}"] = "score"
            inputs = Inputs("binary", "_wb_in_label",
                            score=tuple(f"_wb_in_s{m + 1}" for m in range(k)))
        else:
            if spec.loss_column:
                raise InputError("loss_column applies to binary logs only", key="loss_column")
            for m, h in enumerate(layout.correct):
                mapping[f"_wb_in_q{m + 1}"] = h
                kinds[f"_wb_in_q{m + 1}"] = "quality"
            for m in range(k - 1):
                conf_header = layout.confidence[m]
                assert conf_header is not None
                mapping[f"_wb_in_c{m + 1}"] = conf_header
                kinds[f"_wb_in_c{m + 1}"] = "value"
            inputs = Inputs("quality", None, correct=tuple(f"_wb_in_q{m + 1}" for m in range(k)),
                            confidence=tuple(f"_wb_in_c{m + 1}" for m in range(k - 1)))
        mapping.update(extras)
        for header in mapping.values():
            if not _NUMERIC_DUCK.match(types[header].upper()):
                raise InputError(f"column has type {types[header]}; expected numbers", source=src,
                                 column=header)
        bins = tier_bins(spec, k)
        query = _query(
            _log_view(mapping), inputs, decision_threshold=spec.decision_threshold,
            escalate_when=spec.escalate_when, escalate_above=spec.escalate_above,
            loss_column=spec.loss_column, bins=bins,
        )
        try:
            got = con.execute(query.sql(dialect="duckdb"), params).fetchnumpy()
        except duckdb.Error as exc:
            raise InputError(f"aggregation failed: {exc}", source=src) from exc
        columns = {name: np.asarray(values) for name, values in got.items()}
        if columns["n"].size == 0:
            raise InputError("no data rows", source=src)
        if k > 1 and (np.asarray(columns["bin_1"], dtype=np.int64) < 0).any():
            _raise_first_invalid(con, mapping, kinds, params, src)
        names = spec.tier_names(layout.names)
        return groups_from_columns(columns, layout.kind, k, bins, src), tuple(names)
    finally:
        con.close()


def _raise_first_invalid(con: Any, mapping: dict[str, str], kinds: dict[str, str],
                         params: list[Any], src: str) -> None:
    from sqlglot import exp

    names = list(mapping)
    terms: list[exp.Expr] = []
    for name in names:
        kind = kinds.get(name, "value")
        if kind == "label":
            terms.append(exp.In(this=_col(name), expressions=[_num(0), _num(1)]))
        elif kind in ("score", "quality"):
            terms.append(exp.Between(this=_col(name), low=_num(0), high=_num(1)))
        else:
            terms.append(_finite(name))
    position = [_col("_wb_file"), _col("_wb_row")]
    query = (
        exp.select(*[p.copy() for p in position], *[_col(n) for n in names])
        .from_(_log_view(mapping))
        .where(exp.Not(this=exp.Coalesce(this=exp.and_(*terms, copy=False),
                                         expressions=[exp.false()])))
        .order_by(*position)
        .limit(1)
    )
    row = con.execute(query.sql(dialect="duckdb"), params).fetchone()
    if row is None:  # pragma: no cover - the aggregation said there was one
        raise InputError("some rows are invalid", source=src)
    file, offset = str(row[0]), int(row[1])
    values = {n: np.array([np.nan if v is None else float(v)]) for n, v in zip(names, row[2:])}
    validate_arrays(values, mapping, file, row_offset=offset, kinds=kinds)
    raise InputError("invalid row", source=file, row=offset + 1)  # pragma: no cover


def groups_from_columns(columns: dict[str, np.ndarray], kind: str, k: int, bins: int,
                        src: str) -> Groups:
    """The aggregation's columns (from DuckDB, Spark or a bins file) as Groups."""
    n = np.asarray(columns["n"], dtype=np.float64)
    g = Groups(
        kind=kind, tiers=k, bins=bins,
        bin=[np.asarray(columns[f"bin_{m + 1}"],
                        dtype=np.float64).astype(np.int64) for m in range(k - 1)],
        forced=np.asarray(columns["forced"], dtype=np.float64) != 0, n=n.astype(np.int64),
    )
    if kind == "binary":
        g.label = np.asarray(columns["label"], dtype=np.float64) != 0
        g.correct = [np.asarray(columns[f"correct_{m + 1}"],
                                dtype=np.float64) != 0 for m in range(k)]
        if "loss_sum" in columns:
            g.loss_sum = np.asarray(columns["loss_sum"], dtype=np.float64)
    else:
        g.quality = [np.asarray(columns[f"quality_{m + 1}"], dtype=np.float64) for m in range(k)]
        g.lo = [float(np.asarray(columns[f"conf_lo_{m + 1}"],
                                 dtype=np.float64)[0]) for m in range(k - 1)]
        g.hi = [float(np.asarray(columns[f"conf_hi_{m + 1}"],
                                 dtype=np.float64)[0]) for m in range(k - 1)]
        g.graded = bool(np.any(np.asarray(columns.get("graded", np.ones(1)),
                                          dtype=np.float64) != 0))
    return g


# ------------------------------------------------------------ groups -> tallies


def grids_of(groups: Groups) -> list[np.ndarray]:
    """Bin edges as thresholds (escalate bins < j), then escalate-all."""
    j = np.arange(groups.bins, dtype=np.float64)
    if groups.kind == "binary":
        return [np.append(0.5 + j / (2.0 * groups.bins), ESCALATE_ALL)
                for _ in range(groups.tiers - 1)]
    assert groups.lo is not None and groups.hi is not None
    out = []
    for lo, hi in zip(groups.lo, groups.hi):
        edges = lo + (hi - lo) * j / groups.bins if hi > lo else np.full(groups.bins, lo)
        out.append(np.append(edges, np.inf))
    return out


def units_from_groups(groups: Groups) -> Units:
    """Non-forced groups as grid units (cell = bin + 1), forced groups as constants."""
    k = groups.tiers
    keep = ~groups.forced
    w = groups.n.astype(np.float64)
    units = Units(cells=[b[keep] + 1 for b in groups.bin],
                  count=groups.n[keep].astype(np.float64), quality=[],
                  n=int(groups.n.sum()), forced=int(groups.n[groups.forced].sum()))
    last = k - 1
    if groups.kind == "binary":
        assert groups.label is not None and groups.correct is not None
        y = groups.label
        units.positives = int(groups.n[y].sum())
        units.tp, units.fp = [], []
        units.missed = [] if groups.loss_sum is not None else None
        for m in range(k):
            ok = groups.correct[m]
            units.tp.append(np.where(y & ok, w, 0.0)[keep])
            units.fp.append(np.where(~y & ~ok, w, 0.0)[keep])
            if units.missed is not None:
                assert groups.loss_sum is not None
                units.missed.append(np.where(y & ~ok, groups.loss_sum, 0.0)[keep])
        f = groups.forced
        ok = groups.correct[last]
        units.forced_tp = int(groups.n[f & y & ok].sum())
        units.forced_fp = int(groups.n[f & ~y & ~ok].sum())
        if groups.loss_sum is not None:
            units.forced_missed = float(groups.loss_sum[f & y & ~ok].sum())
    else:
        assert groups.quality is not None
        units.quality = [q[keep] for q in groups.quality]
        units.forced_quality = float(groups.quality[last][groups.forced].sum())
    return units


def baselines_from_groups(groups: Groups) -> list[Tallies]:
    """Each model alone on every item (forced rules ignored)."""
    k = groups.tiers
    n = int(groups.n.sum())
    out = []
    for m in range(k):
        answered = np.zeros((1, k), dtype=np.int64)
        answered[0, m] = n
        t = np.full((1, k - 1), np.nan)
        if groups.kind == "binary":
            assert groups.label is not None and groups.correct is not None
            y, ok = groups.label, groups.correct[m]
            tp = int(groups.n[y & ok].sum())
            fp = int(groups.n[~y & ~ok].sum())
            positives = int(groups.n[y].sum())
            missed = (None if groups.loss_sum is None
                      else np.array([float(groups.loss_sum[y & ~ok].sum())]))
            out.append(Tallies(n=n, forced=0, positives=positives, thresholds=t, answered=answered,
                               quality=np.array([float(tp + (n - positives) - fp)]),
                               tp=np.array([tp]),
                               fp=np.array([fp]), missed_loss=missed))
        else:
            assert groups.quality is not None
            out.append(Tallies(n=n, forced=0, positives=None, thresholds=t, answered=answered,
                               quality=np.array([float(groups.quality[m].sum())])))
    return out


@dataclass
class Aggregate:
    names: tuple[str, ...]
    kind: str
    graded: bool
    tallies: Tallies
    baselines: list[Tallies]
    grid: tuple[int, ...]
    bin_count: int


def aggregate_of(groups: Groups, names: tuple[str, ...]) -> Aggregate:
    grids = grids_of(groups)
    tallies = grid_tallies(units_from_groups(groups), grids)
    return Aggregate(names=names, kind=groups.kind,
                     graded=groups.graded if groups.kind == "quality" else False,
                     tallies=tallies, baselines=baselines_from_groups(groups),
                     grid=tuple(int(g.size) for g in grids), bin_count=groups.bins)


# --------------------------------------------------------------- bins files


def load_cascade_bins(path: Path, spec: RoutingSpec,
                      source: str | None = None) -> tuple[Groups, tuple[str, ...]]:
    """Read the output of ``cascade_sql`` (CSV or Parquet) and check it."""
    from workbench.routing.log import normalize_header

    src = source or str(path)
    table = read_table(path, src)
    headers = list(table.column_names)
    by_norm = {normalize_header(h): h for h in headers}
    quality = "quality1" in by_norm
    count = 0
    while (f"quality{count + 1}" if quality else f"correct{count + 1}") in by_norm:
        count += 1
    if count < 2 or "bin1" not in by_norm or "n" not in by_norm:
        raise InputError(
            "not a cascade bins file: expected bin_1.., forced, n and correct_1.. (binary) or "
            "quality_1.. (quality); headers found: "
            f"{', '.join(repr(h) for h in headers) or '(none)'}", source=src,
        )
    k = count
    if spec.models and len(spec.models) != k:
        raise InputError(f"the bins file has {k} models, --models names {len(spec.models)}",
                         source=src, key="models")
    wanted = [f"bin_{m + 1}" for m in range(k - 1)] + ["forced", "n"]
    if quality:
        wanted += [f"quality_{m + 1}" for m in range(k)] + [
            f"conf_{b}_{m + 1}" for m in range(k - 1) for b in ("lo", "hi")
        ]
    else:
        wanted += ["label", *[f"correct_{m + 1}" for m in range(k)]]
    missing = [w for w in wanted if normalize_header(w) not in by_norm]
    if missing:
        raise InputError(f"not a cascade bins file: missing column(s) {', '.join(missing)}",
                         source=src, column=missing[0])
    optional = [w for w in ("loss_sum", "graded") if normalize_header(w) in by_norm]
    if table.num_rows == 0:
        raise InputError("no data rows (the file has a header only)", source=src)
    cols = {w: column_as_float(table, by_norm[normalize_header(w)], src) for w in wanted + optional}
    bins = tier_bins(spec, k)

    def bad(name: str, mask: np.ndarray, what: str) -> None:
        if mask.any():
            i = int(np.argmax(mask))
            raise InputError(f"{what}, got {cols[name][i]:g}", source=src, row=i + 1,
                             column=by_norm[normalize_header(name)])

    for name, values in cols.items():
        bad(name, np.isnan(values), "missing value")
    for m in range(k - 1):
        b = cols[f"bin_{m + 1}"]
        bad(f"bin_{m + 1}", b == -1,
            "rows of the source log failed validation in the query (bin -1); fix the log")
        flag = "--bin-count" if k == 2 else "--grid"
        bad(f"bin_{m + 1}", (b != np.floor(b)) | (b < 0) | (b >= bins),
            f"bin must be an integer in 0..{bins - 1} (is {flag} the one the query used?)")
    flags = ["forced"] + ([] if quality else ["label", *[f"correct_{m + 1}" for m in range(k)]])
    for name in flags:
        bad(name, (cols[name] != 0) & (cols[name] != 1), f"{name} must be 0 or 1")
    bad("n", (cols["n"] != np.floor(cols["n"])) | (cols["n"] < 0), "n must be a whole number >= 0")
    if cols["n"].sum() <= 0:
        raise InputError("the bins file counts no items (n sums to 0)", source=src)
    if quality:
        for m in range(k):
            q = cols[f"quality_{m + 1}"]
            bad(f"quality_{m + 1}", (q < -1e-9) | (q > cols["n"] + 1e-9),
                "quality sum must be between 0 and n")
    groups = groups_from_columns(cols, "quality" if quality else "binary", k, bins, src)
    if spec.loss_column and groups.loss_sum is None and not quality:
        raise InputError("--loss-column needs a loss_sum column in the bins file", source=src,
                         column="loss_sum")
    if not spec.loss_column:
        groups.loss_sum = None
    names = spec.models if spec.models else tuple(f"model {m + 1}" for m in range(k))
    return groups, tuple(names)


def load_aggregate(spec: RoutingSpec, base_dir: Path | None) -> Aggregate:
    """A bins file or an out-of-core log of the models/quality layouts, as an Aggregate."""
    from workbench.routing.engine import _resolve

    if spec.bins:
        groups, names = load_cascade_bins(_resolve(spec.bins, base_dir), spec, source=spec.bins)
    else:
        assert spec.log is not None
        groups, names = aggregate_cascade_parquet(
            _resolve(spec.log, base_dir), spec, source=spec.log
        )
    return aggregate_of(groups, names)
