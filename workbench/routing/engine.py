"""simulate(): load a replay log (or bins), evaluate every policy, choose, validate, explain.

The steps, each in its own module:

1. data: ``formats.load_cascade`` (row-level logs of any layout) or the bins path
   (``bins``: DuckDB or a warehouse aggregated the log first);
2. candidates: every policy's sums (``cascade``: exact for two tiers, a quantile grid
   for three or four);
3. choice: the recommended policy by the objective, the safe one by Learn-then-Test,
   the Pareto set (``select``);
4. honesty: the choice is made on calibration rows and checked on held-out rows or k
   folds (``validate``); RouteLLM's metrics (``metrics``); a drift check against next
   month's log;
5. figures and notes (``policy``), assembled into a ``RoutingResult``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from workbench.errors import InputError
from workbench.fileio import check_input
from workbench.routing.cascade import (
    CascadeData,
    Tallies,
    evaluate,
    exact_two_tier,
    from_curve,
    grid_tallies,
    quantile_grid,
    single_model,
    units_from_rows,
)
from workbench.routing.policy import (
    FigureArrays,
    Money,
    TierCosts,
    figure_arrays,
    policy_figures,
    threshold_text,
)
from workbench.routing.result import (
    CurvePoint,
    DriftReport,
    Guarantee,
    PolicyFigures,
    RouteLLMMetrics,
    RoutingResult,
    TierDrift,
)
from workbench.routing.select import (
    best,
    feasible,
    ltt_bound,
    ltt_descending,
    ltt_in_order,
    objective_words,
    pareto_front,
    risk_losses,
)
from workbench.routing.spec import RoutingSpec
from workbench.routing.sweep import Curve, bins_curve, downsample, exact_curve

# A single Parquet file above this size is aggregated out of core even without
# --streaming: fully loaded, ~40 bytes per row in float64 arrays plus the sort
# key would overrun a laptop well before the file itself does.
STREAMING_BYTES = 1 << 30
MAX_CURVE_POINTS = 200
MAX_PARETO_POINTS = 200


def _resolve(path: str, base_dir: Path | None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


# --------------------------------------------------------------------- loading


def _aggregated(spec: RoutingSpec, base_dir: Path | None) -> bool:
    """Bins input, --streaming, a folder, or a Parquet file too big to load."""
    if spec.bins:
        return True
    if not spec.log:
        raise InputError("give a replay log (LOG) or a bins file (--bins FILE)", key="log")
    path = _resolve(spec.log, base_dir)
    if os.path.isdir(path):
        return True
    # A file is checked (missing, loop, FIFO, device...) before anything opens it.
    size = check_input(path, spec.log, what="log file").st_size
    return spec.streaming or (_is_parquet(path) and size > STREAMING_BYTES)


def _legacy_layout(spec: RoutingSpec, base_dir: Path | None) -> bool:
    """The aggregated input is the two-model cheap/expensive layout (bins.py's query):
    a bins file with cheap_correct, or a log whose headers detect as that layout."""
    from workbench.routing.log import normalize_header

    if spec.log_format == "quality":
        return False
    if spec.bins:
        from workbench.routing.log import read_table

        path = _resolve(spec.bins, base_dir)
        headers = list(read_table(path, spec.bins).column_names)
        return "cheapcorrect" in {normalize_header(h) for h in headers}
    from workbench.routing.bins import parquet_files
    from workbench.routing.formats import detect_layout
    from workbench.routing.log import parquet_headers

    assert spec.log is not None
    files = parquet_files(_resolve(spec.log, base_dir), spec.log)
    try:
        headers = parquet_headers(files[0])
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - a corrupt footer: the DuckDB path reports it in its words
        return not spec.models
    return detect_layout(headers, spec, spec.log).legacy


def load_curve(spec: RoutingSpec, base_dir: Path | None = None) -> Curve:
    """The full (not downsampled) binary two-tier threshold curve of a cheap/expensive log."""
    if spec.bins:
        from workbench.routing.bins import load_bins_file

        counts = load_bins_file(_resolve(spec.bins, base_dir), spec.bin_count, source=spec.bins)
        if spec.loss_column and counts.loss_sum is None:
            raise InputError(
                "--loss-column needs a loss_sum column in the bins file "
                "(emit the SQL with --loss-column)",
                source=spec.bins,
                column="loss_sum",
            )
        if not spec.loss_column:
            counts.loss_sum = None
        return bins_curve(counts)
    if not spec.log:
        raise InputError("give a replay log (LOG) or a bins file (--bins FILE)", key="log")
    path = _resolve(spec.log, base_dir)
    if _aggregated(spec, base_dir):
        from workbench.routing.bins import aggregate_parquet

        counts = aggregate_parquet(
            path,
            decision_threshold=spec.decision_threshold,
            escalate_when=spec.escalate_when,
            escalate_above=spec.escalate_above,
            loss_column=spec.loss_column,
            bin_count=spec.bin_count,
            source=spec.log,
        )
        return bins_curve(counts)
    data = load_rows(spec, base_dir)
    assert data.label is not None and data.scores is not None and data.tiers == 2
    return exact_curve(data.label, data.scores[0], data.scores[1], spec.decision_threshold,
                       data.forced, data.loss)


def load_rows(spec: RoutingSpec, base_dir: Path | None, log: str | None = None) -> CascadeData:
    from workbench.routing.formats import load_cascade

    name = log or spec.log
    assert name is not None
    return load_cascade(_resolve(name, base_dir), spec, source=name)


# ----------------------------------------------------------------- the choice


@dataclass
class Choice:
    """What was chosen on one set of calibration rows."""

    tallies: Tallies  # every candidate policy on those rows
    arrays: FigureArrays
    rec: int | None
    safe_thresholds: np.ndarray | None
    safe: Tallies | None  # the safe policy's sums on the calibration rows
    safe_reason: str | None
    guarantee: Guarantee | None
    method: str
    grid: tuple[int, ...] | None = None


@dataclass
class Context:
    spec: RoutingSpec
    names: tuple[str, ...]
    kind: str
    graded: bool
    costs: TierCosts
    money: Money
    cost_list: list[float]
    latency_list: list[float] | None


def _context(spec: RoutingSpec, names: tuple[str, ...], kind: str, graded: bool) -> Context:
    cost, latency = spec.tier_prices(names)
    if spec.objective == "recall" and kind != "binary":
        raise InputError("the recall objective needs a binary log (a label and each model's score)",
                         key="objective")
    money = Money.of(spec)
    if spec.objective == "total_cost" and not money.any:
        raise InputError(
            "the total_cost objective needs a price on errors: "
            "--fn-cost-usd, --fp-cost-usd or --loss-column",
            key="objective",
        )
    if spec.policy == "exclusive" and len(names) > 2:
        raise InputError("the exclusive policy routes between two models only", key="policy")
    return Context(spec, names, kind, graded, TierCosts.build(spec.policy, cost, latency), money,
                   cost, latency)


def _statement(metric: str, target: float, delta: float, n: int, rows_word: str) -> str:
    return (
        f"With probability at least {1 - delta:.4g} (delta = {delta:g}) over the calibration "
        f"sample (n = {n:,} {rows_word}), {metric} on new traffic from the same distribution is at "
        f"least {target:g}% for the safe policy."
    )


def _guarantee(ctx: Context, bound_n: int, metric: str, target: float, method: str, sequence: str,
               tested: int, certified: int, rows_word: str) -> Guarantee:
    return Guarantee(
        metric=metric, target=target, delta=ctx.spec.delta, n=bound_n, method=method,
        sequence=sequence, tested=tested, certified=certified,
        statement=_statement(metric, target, ctx.spec.delta, bound_n, rows_word),
    )


def _rows_word(metric: str) -> str:
    return "positive rows" if metric == "recall" else "rows"


def choose_two_tier(ctx: Context, tallies: Tallies, method: str) -> Choice:
    """Recommended by the objective; safe by fixed-sequence testing from the top."""
    spec = ctx.spec
    arrays = figure_arrays(tallies, ctx.costs, ctx.money)
    rec = best(tallies, arrays, spec, feasible(tallies, spec))
    mask, bound, tested, metric, target = ltt_descending(tallies, spec, ctx.graded)
    sequence = (
        "every threshold, from escalate-all downwards (a fixed order), "
        "stopping at the first that fails"
        if method != "bins" else
        "every bin edge, from escalate-all downwards (a fixed order), "
        "stopping at the first that fails"
    )
    guarantee = _guarantee(ctx, bound.n, metric, target, bound.method, sequence, tested,
                           int(mask.sum()), _rows_word(metric))
    safe_i = best(tallies, arrays, spec, mask)
    reason = None
    if safe_i is None:
        reason = _no_safe_reason(bound.n, metric, target, spec.delta)
    return Choice(
        tallies=tallies, arrays=arrays, rec=rec,
        safe_thresholds=None if safe_i is None else tallies.thresholds[safe_i],
        safe=None if safe_i is None else tallies.pick(safe_i), safe_reason=reason,
        guarantee=guarantee, method=method,
    )


def _no_safe_reason(n: int, metric: str, target: float, delta: float) -> str:
    return (
        f"no policy is certified: testing from escalate-all down, the first policy's {metric} on "
        f"the {n:,} calibration {'positives' if metric == 'recall' else 'rows'} does not show "
        f"{target:g}% with risk delta = {delta:g}; more replay data or a lower target is needed"
    )


def _grids(data: CascadeData, size: int) -> list[np.ndarray]:
    keep = ~data.forced if data.forced is not None else None
    top = data.escalate_all()
    grids = []
    for m in range(data.tiers - 1):
        conf = data.confidence(m)
        grids.append(quantile_grid(conf[keep] if keep is not None else conf, size, top))
    return grids


def choose_rows(ctx: Context, data: CascadeData) -> Choice:
    """The choice on a row-level log: exact for two tiers, grid search for more."""
    spec = ctx.spec
    if data.tiers == 2:
        return choose_two_tier(ctx, exact_two_tier(data), "exact")
    grids = _grids(data, spec.grid)
    tallies = grid_tallies(units_from_rows(data, grids), grids)
    arrays = figure_arrays(tallies, ctx.costs, ctx.money)
    rec = best(tallies, arrays, spec, feasible(tallies, spec))
    safe_t, safe, reason, guarantee = _pareto_testing(ctx, data)
    return Choice(tallies=tallies, arrays=arrays, rec=rec, safe_thresholds=safe_t, safe=safe,
                  safe_reason=reason, guarantee=guarantee, method="grid",
                  grid=tuple(int(g.size) for g in grids))


def _pareto_testing(
    ctx: Context, data: CascadeData
) -> tuple[np.ndarray | None, Tallies | None, str | None, Guarantee | None]:
    """The safe policy of a three- or four-tier cascade by Pareto Testing
    (Laufer-Goldshtein, Fisch, Barzilay, Jaakkola 2023): half of the calibration rows
    build the grid and order its cost-quality Pareto set from the most to the least
    accurate; the other half tests that fixed sequence. The order never sees the rows
    that test it, so the guarantee holds over the calibration sample."""
    spec = ctx.spec
    opt_idx, test_idx = _split_rows(data, 0.5, spec.seed + 1)
    if opt_idx.size == 0 or test_idx.size == 0:
        return None, None, ("too few calibration rows to order and test policies (Pareto testing "
                            "halves them)"), None
    opt, tst = data.take(opt_idx), data.take(test_idx)
    grids = _grids(opt, spec.grid)
    t_opt = grid_tallies(units_from_rows(opt, grids), grids)
    t_tst = grid_tallies(units_from_rows(tst, grids), grids)
    a_opt = figure_arrays(t_opt, ctx.costs, ctx.money)
    losses_opt, n_opt, metric, target = risk_losses(t_opt, spec)
    axis = t_opt.quality if metric == "accuracy" else n_opt - losses_opt
    front = pareto_front(a_opt.cost_per_1k, axis)
    order = front[np.argsort(losses_opt[front], kind="stable")]
    losses_tst, _, _, _ = risk_losses(t_tst, spec)
    bound, _, _ = ltt_bound(t_tst, spec, ctx.graded)
    certified_idx, tested = ltt_in_order(losses_tst, order, bound)
    guarantee = _guarantee(
        ctx, bound.n, metric, target, bound.method,
        f"Pareto testing: the {front.size} cost-quality Pareto policies of a grid built on half of "
        f"the calibration rows ({opt.rows:,}), most {metric}-safe first, tested on the other half",
        tested, int(certified_idx.size), _rows_word(metric),
    )
    if certified_idx.size == 0:
        return None, None, _no_safe_reason(bound.n, metric, target, spec.delta), guarantee
    a_tst = figure_arrays(t_tst, ctx.costs, ctx.money)
    mask = np.zeros(len(t_tst), dtype=bool)
    mask[certified_idx] = True
    j = best(t_tst, a_tst, spec, mask)
    assert j is not None
    thresholds = t_opt.thresholds[j]
    return thresholds, evaluate(data, thresholds), None, guarantee


def _split_rows(data: CascadeData, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from workbench.routing.validate import split

    return split(data.rows, fraction, seed, data.label)


# ------------------------------------------------------------------ simulate


def simulate(spec: RoutingSpec, base_dir: Path | None = None) -> RoutingResult:
    """Run the routing simulation a spec describes (``workbench.routing.simulate``)."""
    if _aggregated(spec, base_dir):
        return _simulate_aggregated(spec, base_dir)
    data = load_rows(spec, base_dir)
    return simulate_rows(spec, data, base_dir)


def simulate_rows(spec: RoutingSpec, data: CascadeData,
                  base_dir: Path | None = None) -> RoutingResult:
    """The whole simulation on a loaded row-level log."""
    ctx = _context(spec, data.names, data.kind, data.graded)
    validation: dict[str, object] = {"method": spec.validation, "rows": data.rows}
    test: CascadeData | None = None
    if spec.validation == "split":
        cal_idx, test_idx = _split_rows(data, spec.calibration_fraction, spec.seed)
        if cal_idx.size < 1 or test_idx.size < 1:
            raise InputError(
                f"{data.rows:,} rows are too few to split into calibration and test rows; "
                "use --validation none or more rows", key="validation",
            )
        cal, test = data.take(cal_idx), data.take(test_idx)
        validation.update(
            calibration_fraction=spec.calibration_fraction, seed=spec.seed,
            rows_calibration=cal.rows, rows_test=test.rows, stratified=data.label is not None,
        )
    else:
        cal = data
        validation["rows_calibration"] = data.rows
        if spec.validation == "kfold":
            validation.update(folds=spec.folds, seed=spec.seed, stratified=data.label is not None)
    choice = choose_rows(ctx, cal)
    baselines_in = [single_model(cal, m) for m in range(data.tiers)]

    held_out: dict[str, PolicyFigures] | None = None
    notes_extra: list[str] = []
    if test is not None:
        held_out = _held_out_split(ctx, choice, test)
    elif spec.validation == "kfold":
        held_out, fold_notes = _held_out_kfold(ctx, data)
        notes_extra += fold_notes

    report_rows = test if test is not None else data
    routellm = None
    if data.tiers == 2:
        curve_tallies = choice.tallies if report_rows is cal else exact_two_tier(report_rows)
        routellm = _routellm(curve_tallies, report_rows)
    result = assemble(ctx, choice, baselines_in, rows=data.rows, positives=data.positives,
                      forced=_forced(data), validation=validation, held_out=held_out,
                      routellm=routellm)
    result.notes.extend(notes_extra)
    if spec.drift_log:
        result.drift = drift_check(ctx, result, data, load_rows(spec, base_dir, spec.drift_log))
        result.notes.append(_drift_note())
    return result


def _forced(data: CascadeData) -> int:
    return int(np.count_nonzero(data.forced)) if data.forced is not None else 0


def _held_out_split(ctx: Context, choice: Choice, test: CascadeData) -> dict[str, PolicyFigures]:
    out: dict[str, PolicyFigures] = {}
    if choice.rec is not None:
        t = evaluate(test, choice.tallies.thresholds[choice.rec])
        out["recommended"] = policy_figures(t, 0, ctx.costs, ctx.money)
    if choice.safe_thresholds is not None:
        t = evaluate(test, choice.safe_thresholds)
        out["safe"] = policy_figures(t, 0, ctx.costs, ctx.money)
    for key, fig in _baselines(ctx, [single_model(test, m) for m in range(test.tiers)]).items():
        out[key] = fig
    return out


def _held_out_kfold(ctx: Context, data: CascadeData) -> tuple[dict[str, PolicyFigures], list[str]]:
    """Pooled out-of-fold figures: for each fold, choose on the other folds and count the
    chosen policy's sums on this fold; the sums over all folds give figures on every row,
    each judged by a choice that never saw it (the estimate of the whole procedure)."""
    from workbench.routing.validate import folds

    spec = ctx.spec
    fold = folds(data.rows, spec.folds, spec.seed, data.label)
    pooled: dict[str, Tallies | None] = {"recommended": None, "safe": None}
    missing: dict[str, int] = {"recommended": 0, "safe": 0}
    chosen: dict[str, list[str]] = {"recommended": [], "safe": []}
    binary = data.kind == "binary"
    for f in range(spec.folds):
        inside = fold == f
        if not inside.any() or inside.all():
            continue
        train, held = data.take(np.flatnonzero(~inside)), data.take(np.flatnonzero(inside))
        ch = choose_rows(ctx, train)
        picks = {
            "recommended": None if ch.rec is None else ch.tallies.thresholds[ch.rec],
            "safe": ch.safe_thresholds,
        }
        for key, thresholds in picks.items():
            if thresholds is None:
                missing[key] += 1
                continue
            chosen[key].append(", ".join(threshold_text(float(v), binary) for v in thresholds))
            fold_sums = evaluate(held, thresholds)
            current = pooled[key]
            pooled[key] = fold_sums if current is None else current + fold_sums
    out: dict[str, PolicyFigures] = {}
    notes: list[str] = []
    for key, t in pooled.items():
        if t is not None and missing[key] == 0:
            out[key] = policy_figures(t, 0, ctx.costs, ctx.money)
            out[key] = replace(out[key], threshold=None, thresholds=None)
            notes.append(f"k-fold {key} thresholds per fold: {'; '.join(chosen[key])}.")
        elif t is not None:
            notes.append(
                f"k-fold: no held-out {key} figures; {missing[key]} of {spec.folds} folds chose no "
                f"{key} policy."
            )
    for key, fig in _baselines(ctx, [single_model(data, m) for m in range(data.tiers)]).items():
        out[key] = fig
    return out, notes


def _routellm(t: Tallies, rows: CascadeData) -> RouteLLMMetrics:
    from workbench.routing.metrics import routellm_from_counts

    n = t.n
    weak = 100.0 * float(single_model(rows, 0).quality[0]) / n
    strong = 100.0 * float(single_model(rows, 1).quality[0]) / n
    return routellm_from_counts(n - t.answered[:, 0], t.quality, n, weak, strong)


def _baselines(ctx: Context, tallies: list[Tallies]) -> dict[str, PolicyFigures]:
    k = len(tallies)
    keys = baseline_keys(k)
    out = {}
    for m, t in enumerate(tallies):
        costs = TierCosts.alone(k, m, ctx.cost_list, ctx.latency_list)
        out[keys[m]] = policy_figures(t, 0, costs, ctx.money, baseline=True)
    return out


def baseline_keys(k: int) -> list[str]:
    """JSON keys of the single-model baselines: cheap_only / expensive_only for two tiers."""
    if k == 2:
        return ["cheap_only", "expensive_only"]
    return [f"tier{m + 1}_only" for m in range(k)]


# ------------------------------------------------------------------- assemble


def assemble(
    ctx: Context, choice: Choice, baselines_in: list[Tallies], *, rows: int, positives: int | None,
    forced: int, validation: dict[str, object], held_out: dict[str, PolicyFigures] | None = None,
    routellm: RouteLLMMetrics | None = None, bin_count: int | None = None,
) -> RoutingResult:
    spec = ctx.spec
    t, arrays = choice.tallies, choice.arrays
    recommended = policy_figures(t, choice.rec, ctx.costs, ctx.money,
                                 arrays=arrays) if choice.rec is not None else None
    safe = policy_figures(choice.safe, 0, ctx.costs, ctx.money) if choice.safe is not None else None
    baselines = _baselines(ctx, baselines_in)
    last = baselines[baseline_keys(len(ctx.names))[-1]]
    saving = (
        100.0 * (last.cost_per_1k - recommended.cost_per_1k) / last.cost_per_1k
        if recommended is not None and last.cost_per_1k > 0 else None
    )
    rec_reason = None if recommended is not None else _no_rec_reason(ctx, choice)
    front = pareto_front(arrays.cost_per_1k, t.quality)
    shown = front
    if front.size > MAX_PARETO_POINTS:
        keep = ([int(j) for j in np.flatnonzero(front == choice.rec)]
                if choice.rec is not None else [])
        shown = front[downsample(arrays.cost_per_1k[front], t.quality[front], keep,
                                 MAX_PARETO_POINTS)]
    pareto = [policy_figures(t, int(i), ctx.costs, ctx.money, arrays=arrays) for i in shown]
    curve = _curve_points(choice, pareto)
    money_terms = _money_terms(ctx)
    result = RoutingResult(
        spec=spec,
        policy=spec.policy,
        target_accuracy=spec.target_accuracy,
        recommended=recommended,
        recommended_reason=rec_reason,
        safe=safe,
        safe_reason=choice.safe_reason,
        baselines=baselines,
        saving_vs_expensive_pct=saving,
        curve=curve,
        rows=rows,
        positives=positives if positives is not None else 0,
        forced=forced,
        method=choice.method,
        candidates=len(t),
        names=ctx.names,
        log_format=ctx.kind,
        objective=spec.objective,
        chosen_by=objective_words(spec, money_terms),
        tier_cost_per_1k=tuple(ctx.cost_list),
        tier_latency_ms=None if ctx.latency_list is None else tuple(ctx.latency_list),
        grid=choice.grid,
        validation=validation,
        held_out=held_out,
        guarantee=choice.guarantee,
        pareto=pareto,
        pareto_size=int(front.size),
        routellm=routellm,
    )
    from workbench.routing.notes import notes

    result.notes = notes(result, choice, ctx, bin_count=bin_count, money_terms=money_terms)
    return result


def _money_terms(ctx: Context) -> str:
    parts = []
    m = ctx.money
    if m.loss_column:
        parts.append(f"the {ctx.spec.loss_column} of missed positives")
    if m.fn_cost_usd is not None:
        error = "missed positive" if ctx.kind == "binary" else "wrong answer"
        parts.append(f"${m.fn_cost_usd:,.2f} per {error}")
    if m.fp_cost_usd is not None and ctx.kind == "binary":
        parts.append(f"${m.fp_cost_usd:,.2f} per false alarm")
    return " + ".join(parts) if parts else "nothing (no price on errors)"


def _no_rec_reason(ctx: Context, choice: Choice) -> str:
    spec, t = ctx.spec, choice.tallies
    binary = ctx.kind == "binary"
    if spec.objective == "recall" and t.tp is not None and t.positives:
        i = int(np.argmax(t.tp))
        value, what, target = 100.0 * t.tp[i] / t.positives, "recall", spec.target_recall
    else:
        i = int(np.argmax(t.quality))
        value, what, target = 100.0 * t.quality[i] / t.n, "accuracy", spec.target_accuracy
    ts = ", ".join(threshold_text(float(v), binary) for v in t.thresholds[i])
    esc = (t.n - t.answered[i, 0]) / t.n
    return (f"no policy reaches {target:g}% {what}; the best is {value:.3f}% "
            f"(thresholds {ts}, {esc:.1%} escalated)")


def _curve_points(choice: Choice, pareto: list[PolicyFigures]) -> list[CurvePoint]:
    """Two tiers: the downsampled threshold curve; more: the Pareto set by cost."""
    t, arrays = choice.tallies, choice.arrays
    if t.tiers == 2:
        keep = [i for i in (choice.rec,) if i is not None]
        if choice.safe_thresholds is not None:
            hits = np.flatnonzero(t.thresholds[:, 0] == choice.safe_thresholds[0])
            keep += [int(h) for h in hits[:1]]
        escalated = t.n - t.answered[:, 0]
        idx = downsample(escalated, t.quality, keep, MAX_CURVE_POINTS)
        from workbench.routing.sweep import wilson_lower

        points = []
        for i in idx.tolist():
            tp = None if t.tp is None else int(t.tp[i])
            fp = None if t.fp is None else int(t.fp[i])
            points.append(CurvePoint(
                threshold=float(t.thresholds[i, 0]),
                escalated_share=float(escalated[i] / t.n),
                accuracy=float(100.0 * t.quality[i] / t.n),
                accuracy_wilson_low=float(100.0 * wilson_lower(float(t.quality[i]), t.n)),
                recall=float(100.0 * tp / t.positives) if tp is not None and t.positives else None,
                precision=(float(100.0 * tp / (tp + fp))
                           if tp is not None and fp is not None and tp + fp else None),
                cost_per_1k=float(arrays.cost_per_1k[i]),
            ))
        return points
    return [
        CurvePoint(
            threshold=p.threshold if p.threshold is not None else math.nan,
            escalated_share=p.escalated_share,
            accuracy=p.accuracy, accuracy_wilson_low=p.accuracy_wilson_low, recall=p.recall,
            precision=p.precision, cost_per_1k=p.cost_per_1k,
        )
        for p in pareto
    ]


# ------------------------------------------------------------------- legacy


def build_result(spec: RoutingSpec, curve: Curve, requested: str | None = None) -> RoutingResult:
    """Choose and explain on a binary two-tier curve (exact or binned), all rows in sample.
    ``requested``: the validation the spec asked for when it could not run (bins)."""
    names = spec.tier_names(("cheap", "expensive"))
    ctx = _context(spec, names, "binary", False)
    tallies = from_curve(curve)
    choice = choose_two_tier(ctx, tallies, curve.method)
    base = _curve_baselines(curve)
    validation: dict[str, object] = {"method": "none", "rows": curve.n, "rows_calibration": curve.n}
    if requested:
        validation["requested"] = requested
    return assemble(ctx, choice, base, rows=curve.n, positives=curve.positives,
                    forced=curve.forced, validation=validation,
                    routellm=_routellm_curve(tallies, base), bin_count=curve.bin_count)


def _curve_baselines(curve: Curve) -> list[Tallies]:
    out = []
    for m, totals in enumerate((curve.cheap_only, curve.expensive_only)):
        answered = np.zeros((1, 2), dtype=np.int64)
        answered[0, m] = curve.n
        quality = float(totals.tp + (curve.negatives - totals.fp))
        out.append(Tallies(
            n=curve.n, forced=0, positives=curve.positives, thresholds=np.full((1, 1), math.nan),
            answered=answered, quality=np.array([quality]), tp=np.array([totals.tp]),
            fp=np.array([totals.fp]),
            missed_loss=None if totals.missed_loss is None else np.array([totals.missed_loss]),
        ))
    return out


def _routellm_curve(t: Tallies, base: list[Tallies]) -> RouteLLMMetrics:
    from workbench.routing.metrics import routellm_from_counts

    n = t.n
    return routellm_from_counts(
        n - t.answered[:, 0], t.quality, n, 100.0 * float(base[0].quality[0]) / n,
        100.0 * float(base[1].quality[0]) / n,
    )


def _simulate_aggregated(spec: RoutingSpec, base_dir: Path | None) -> RoutingResult:
    """Bins files and out-of-core logs: every row is in sample (no row-level split)."""
    if spec.drift_log:
        raise InputError("the drift check needs row-level logs (not --bins or --streaming)",
                         key="drift_log")
    requested = spec.validation if spec.validation != "none" else None
    if _legacy_layout(spec, base_dir):
        result = build_result(spec, load_curve(spec, base_dir), requested)
    else:
        from workbench.routing.bins_cascade import load_aggregate

        agg = load_aggregate(spec, base_dir)
        ctx = _context(spec, agg.names, agg.kind, agg.graded)
        if len(agg.names) == 2:
            choice = choose_two_tier(ctx, agg.tallies, "bins")
        else:
            arrays = figure_arrays(agg.tallies, ctx.costs, ctx.money)
            choice = Choice(
                tallies=agg.tallies, arrays=arrays,
                rec=best(agg.tallies, arrays, spec, feasible(agg.tallies, spec)),
                safe_thresholds=None, safe=None, guarantee=None, method="bins",
                safe_reason="the safe policy of a 3- or 4-tier cascade needs a row-level log "
                "(Pareto testing splits the calibration rows)", grid=agg.grid,
            )
        validation: dict[str, object] = {"method": "none", "rows": agg.tallies.n,
                                         "rows_calibration": agg.tallies.n}
        if requested:
            validation["requested"] = requested
        routellm = _routellm_curve(agg.tallies, agg.baselines) if len(agg.names) == 2 else None
        result = assemble(ctx, choice, agg.baselines, rows=agg.tallies.n,
                          positives=agg.tallies.positives, forced=agg.tallies.forced,
                          validation=validation, routellm=routellm, bin_count=agg.bin_count)
    if requested:
        edges = (
            "fixed bin edges" if result.log_format == "binary"
            else "bin edges set by the range of the confidences alone, never by an outcome"
        )
        result.notes.append(
            "Validation: none. A bins file or an out-of-core log has no rows to split, so every "
            "figure is in sample; the safe policy is still tested on a sequence fixed before any "
            f"outcome ({edges})."
        )
    return result


# --------------------------------------------------------------------- drift


def drift_check(ctx: Context, result: RoutingResult, before: CascadeData,
                after: CascadeData) -> DriftReport:
    """Last month's log (``before``) against this month's (``after``) at the chosen policy:
    confidence distributions per routing tier (two-sample KS and PSI), the share of items
    reaching each tier, and whether the policy still meets the target on the new log."""
    from workbench.routing.stats import ks_two_sample, psi

    spec = ctx.spec
    if after.names != before.names and len(after.names) != len(before.names):
        raise InputError(
            f"this month's log has models {', '.join(after.names)}, last month's "
            f"{', '.join(before.names)}",
            source=after.source,
        )
    if after.kind != before.kind:
        raise InputError(
            f"this month's log is a {after.kind} log, last month's a {before.kind} log",
            source=after.source,
        )
    which = spec.as_candidate
    fig = result.recommended if which == "recommended" else result.safe
    if fig is None:
        which, fig = (("recommended", result.recommended) if result.recommended is not None
                      else ("safe", result.safe))
    tiers = []
    for m in range(before.tiers - 1):
        d, p = ks_two_sample(before.confidence(m), after.confidence(m))
        tiers.append(TierDrift(tier=before.names[m], ks_statistic=d, ks_p_value=p,
                               psi=psi(before.confidence(m), after.confidence(m))))
    if fig is None or fig.thresholds is None:
        raise InputError("no policy to check for drift: none meets the target on last month's log",
                         key="drift_log")
    old = policy_figures(evaluate(before, fig.thresholds), 0, ctx.costs, ctx.money)
    new = policy_figures(evaluate(after, fig.thresholds), 0, ctx.costs, ctx.money)
    if spec.objective == "recall" and new.recall is not None:
        metric, target, value = "recall", float(spec.target_recall or 0), new.recall
    else:
        metric, target, value = "accuracy", spec.target_accuracy, new.accuracy
    meets = value >= target - 1e-9
    worst = max((tr.psi for tr in tiers), default=0.0)
    shift = "major" if worst > 0.25 else "moderate" if worst > 0.1 else "small"
    verdict = (
        f"The {which} policy {'still meets' if meets else 'no longer meets'} the {target:g}% "
        f"{metric} target on this month's log ({value:.3f}%, Wilson 95% low "
        f"{new.accuracy_wilson_low:.3f}% accuracy); escalation {old.escalated_share:.2%} -> "
        f"{new.escalated_share:.2%}; confidence shift {shift} (largest PSI {worst:.3f})."
    )
    return DriftReport(
        source=after.source, rows_before=before.rows, rows_after=after.rows, tiers=tuple(tiers),
        policy=which,
        before=old, after=new, metric=metric, target=target, meets_target=meets, verdict=verdict,
    )


def _drift_note() -> str:
    return (
        "Drift: confidence distributions of each routing tier compared by the two-sample "
        "Kolmogorov-Smirnov statistic D = max |F_before - F_after| (asymptotic p-value) and the "
        "population stability index PSI = sum (a - b) ln(a / b) over last month's decile bins "
        "(shares floored at 0.0001; < 0.1 small, 0.1-0.25 moderate, > 0.25 major shift); the "
        "chosen policy's thresholds are applied to both whole logs."
    )


__all__ = ["build_result", "load_curve", "simulate", "simulate_rows"]
