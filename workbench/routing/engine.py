"""simulate(): load a replay log (or bins), sweep thresholds, pick policies, explain."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from workbench.errors import InputError
from workbench.fileio import check_input
from workbench.routing.result import CurvePoint, PolicyFigures, RoutingResult
from workbench.routing.spec import RoutingSpec
from workbench.routing.sweep import (
    ESCALATE_ALL,
    Z95,
    CostModel,
    Curve,
    bins_curve,
    cheapest,
    downsample,
    exact_curve,
    min_correct_for_accuracy,
    min_correct_for_wilson,
    p95_two_values,
    wilson_lower,
)

# A single Parquet file above this size is aggregated out of core even without
# --streaming: fully loaded, ~40 bytes per row in float64 arrays plus the sort
# key would overrun a laptop well before the file itself does.
STREAMING_BYTES = 1 << 30
MAX_CURVE_POINTS = 200


def _resolve(path: str, base_dir: Path | None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def load_curve(spec: RoutingSpec, base_dir: Path | None = None) -> Curve:
    """Build the full (not downsampled) threshold curve the spec describes."""
    extra = tuple(
        dict.fromkeys(
            [*spec.escalate_when, *spec.escalate_above, *([spec.loss_column] if spec.loss_column else [])]
        )
    )
    if spec.bins:
        from workbench.routing.bins import load_bins_file

        counts = load_bins_file(_resolve(spec.bins, base_dir), spec.bin_count, source=spec.bins)
        if spec.loss_column and counts.loss_sum is None:
            raise InputError(
                "--loss-column needs a loss_sum column in the bins file (emit the SQL with --loss-column)",
                source=spec.bins,
                column="loss_sum",
            )
        if not spec.loss_column:
            counts.loss_sum = None
        return bins_curve(counts)
    if not spec.log:
        raise InputError("give a replay log (LOG) or a bins file (--bins FILE)", key="log")
    path = _resolve(spec.log, base_dir)
    is_dir = os.path.isdir(path)
    # A file is checked (missing, loop, FIFO, device...) before anything opens it.
    size = 0 if is_dir else check_input(path, spec.log, what="log file").st_size
    big = _is_parquet(path) and size > STREAMING_BYTES
    if spec.streaming or is_dir or big:
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
    from workbench.routing.log import load_replay_log

    log = load_replay_log(path, extra, source=spec.log)
    forced = None
    if spec.has_forced_rules:
        forced = np.zeros(log.rows, dtype=bool)
        for column in spec.escalate_when:
            forced |= log.extras[column] != 0
        for column, value in spec.escalate_above.items():
            forced |= log.extras[column] > value
    loss = log.extras[spec.loss_column] if spec.loss_column else None
    return exact_curve(
        log.label,
        log.cheap_score,
        log.expensive_score,
        decision_threshold=spec.decision_threshold,
        forced=forced,
        loss=loss,
    )


def _figures(
    *,
    n: int,
    positives: int,
    threshold: float | None,
    escalated: int,
    tp: int,
    fp: int,
    missed_loss: float | None,
    cost_low: float,
    cost_high: float,
    lat_low: float | None,
    lat_high: float | None,
    spec: RoutingSpec,
) -> PolicyFigures:
    negatives = n - positives
    correct = tp + (negatives - fp)
    share = escalated / n
    cost = cost_low + share * (cost_high - cost_low)
    monthly = (
        cost * spec.volume_per_day * spec.days_per_month / 1000.0 if spec.volume_per_day is not None else None
    )
    if lat_low is not None and lat_high is not None:
        mean_lat = lat_low + share * (lat_high - lat_low)
        p95 = float(p95_two_values(n, np.array([escalated]), lat_low, lat_high)[0])
    else:
        mean_lat = p95 = None
    return PolicyFigures(
        threshold=threshold,
        escalated_share=share,
        accuracy=100.0 * correct / n,
        accuracy_wilson_low=100.0 * float(wilson_lower(correct, n)),
        recall=100.0 * tp / positives if positives else None,
        precision=100.0 * tp / (tp + fp) if (tp + fp) else None,
        cost_per_1k=cost,
        monthly_cost_usd=monthly,
        mean_latency_ms=mean_lat,
        p95_latency_ms=p95,
        missed_positive_loss=missed_loss,
    )


def _fmt_t(t: float) -> str:
    return "escalate all" if t >= ESCALATE_ALL else f"t = {t:.6g}"


def build_result(spec: RoutingSpec, curve: Curve) -> RoutingResult:
    """Pick the recommended and safe thresholds and assemble the result."""
    assert spec.cheap_cost_per_1k is not None and spec.expensive_cost_per_1k is not None
    costs = CostModel(
        policy=spec.policy,
        cheap_per_1k=spec.cheap_cost_per_1k,
        expensive_per_1k=spec.expensive_cost_per_1k,
        cheap_latency_ms=spec.cheap_latency_ms,
        expensive_latency_ms=spec.expensive_latency_ms,
    )
    n = curve.n
    slope = costs.high_cost - costs.low_cost
    correct = curve.correct
    target = spec.target_accuracy
    # Integer cut-offs: the per-threshold tests become one comparison each.
    need_acc = min_correct_for_accuracy(n, target)
    need_wilson = min_correct_for_wilson(n, target)
    rec_i = cheapest(slope, correct, correct >= need_acc)
    safe_i = cheapest(slope, correct, correct >= need_wilson)
    lat_low = costs.low_latency if costs.has_latency else None
    lat_high = costs.high_latency if costs.has_latency else None

    def at(i: int) -> PolicyFigures:
        return _figures(
            n=n,
            positives=curve.positives,
            threshold=float(curve.threshold[i]),
            escalated=int(curve.escalated[i]),
            tp=int(curve.tp[i]),
            fp=int(curve.fp[i]),
            missed_loss=float(curve.missed_loss[i]) if curve.missed_loss is not None else None,
            cost_low=costs.low_cost,
            cost_high=costs.high_cost,
            lat_low=lat_low,
            lat_high=lat_high,
            spec=spec,
        )

    recommended = at(rec_i) if rec_i is not None else None
    safe = at(safe_i) if safe_i is not None else None
    # Both accuracy and its Wilson bound peak where correct peaks (fixed n).
    best = int(np.argmax(correct))
    best_acc = 100.0 * correct[best] / n
    best_wilson = 100.0 * float(wilson_lower(int(correct[best]), n))
    where = f"{_fmt_t(float(curve.threshold[best]))}, {curve.escalated[best] / n:.1%} escalated"
    rec_reason = safe_reason = None
    if recommended is None:
        rec_reason = f"no threshold reaches {target:g}% accuracy; the best is {best_acc:.3f}% ({where})"
    if safe is None:
        safe_reason = (
            f"no threshold has a Wilson 95% lower bound of {target:g}% or more; the best is "
            f"{best_wilson:.3f}% ({where}) on {n:,} rows: "
            "more replay data or a lower target is needed to claim the target with 95% confidence"
        )
    cheap_lat = spec.cheap_latency_ms if costs.has_latency else None
    exp_lat = spec.expensive_latency_ms if costs.has_latency else None
    baselines = {
        "cheap_only": _figures(
            n=n, positives=curve.positives, threshold=None, escalated=0,
            tp=curve.cheap_only.tp, fp=curve.cheap_only.fp, missed_loss=curve.cheap_only.missed_loss,
            cost_low=costs.cheap_per_1k, cost_high=costs.cheap_per_1k,
            lat_low=cheap_lat, lat_high=cheap_lat, spec=spec,
        ),
        "expensive_only": _figures(
            n=n, positives=curve.positives, threshold=None, escalated=n,
            tp=curve.expensive_only.tp, fp=curve.expensive_only.fp, missed_loss=curve.expensive_only.missed_loss,
            cost_low=costs.expensive_per_1k, cost_high=costs.expensive_per_1k,
            lat_low=exp_lat, lat_high=exp_lat, spec=spec,
        ),
    }
    exp_cost = baselines["expensive_only"].cost_per_1k
    saving = (
        100.0 * (exp_cost - recommended.cost_per_1k) / exp_cost
        if recommended is not None and exp_cost > 0
        else None
    )

    keep = [i for i in (rec_i, safe_i) if i is not None]
    # Escalated count and correct count are affine images of cost and accuracy.
    idx = downsample(curve.escalated, correct, keep, MAX_CURVE_POINTS)
    points = [
        CurvePoint(
            threshold=float(curve.threshold[i]),
            escalated_share=float(curve.escalated[i] / n),
            accuracy=float(100.0 * correct[i] / n),
            accuracy_wilson_low=float(100.0 * wilson_lower(int(correct[i]), n)),
            recall=float(100.0 * curve.tp[i] / curve.positives) if curve.positives else None,
            precision=float(100.0 * curve.tp[i] / (curve.tp[i] + curve.fp[i])) if curve.tp[i] + curve.fp[i] else None,
            cost_per_1k=costs.low_cost + float(curve.escalated[i] / n) * slope,
        )
        for i in idx.tolist()
    ]
    return RoutingResult(
        spec=spec,
        policy=spec.policy,
        target_accuracy=target,
        recommended=recommended,
        recommended_reason=rec_reason,
        safe=safe,
        safe_reason=safe_reason,
        baselines=baselines,
        saving_vs_expensive_pct=saving,
        curve=points,
        rows=n,
        positives=curve.positives,
        forced=curve.forced,
        method=curve.method,
        candidates=len(curve),
        notes=_notes(spec, curve, len(points)),
    )


def _notes(spec: RoutingSpec, curve: Curve, shown: int) -> list[str]:
    n = curve.n
    notes: list[str] = []
    if curve.method == "exact":
        notes.append(
            f"Method: exact sweep; every distinct cheap-model confidence max(p, 1 - p) among the "
            f"{n - curve.forced:,} non-forced rows is a threshold t (escalate when confidence < t), "
            f"{len(curve):,} policies in all, computed by one sort and cumulative sums."
        )
    else:
        b = curve.bin_count or 0
        notes.append(
            f"Method: binned sweep; {b:,} bins of cheap-model confidence over [0.5, 1] "
            f"(resolution {0.5 / b:g} in confidence); thresholds are bin edges and figures are exact at "
            f"each edge; {len(curve):,} non-empty edges evaluated."
        )
        if spec.bins:
            notes.append(
                "Bins file input: the decision threshold, forced rules and loss column were applied by the "
                "query that produced it; flags for them here only label the report."
            )
    notes.append(
        "Units: accuracy, accuracy_wilson_low, recall and precision are percentages (0-100); "
        "escalated_share is a fraction (0-1) of rows sent to the expensive model; costs are USD per "
        "1,000 items."
    )
    notes.append(
        f"Decision: a model predicts positive when its score >= {spec.decision_threshold:g}; accuracy is the "
        f"share of decisions equal to the label. The log has {curve.positives:,} positives "
        f"({curve.positives / n:.3%}), so recall and precision matter more than accuracy."
    )
    if spec.policy == "cascade":
        notes.append(
            "Policy cascade: the cheap model scores every item; escalated items also run on the expensive "
            "model, whose decision is used. Cost and latency per escalated item = cheap + expensive."
        )
    else:
        notes.append(
            "Policy exclusive: escalated items run only on the expensive model and the rest only on the cheap "
            "one, so each item pays for one model; this assumes the routing signal is available before "
            "scoring (e.g. a precomputed cheap score)."
        )
    if spec.has_forced_rules:
        rules = [f"{c} nonzero" for c in spec.escalate_when] + [
            f"{c} > {v:g}" for c, v in spec.escalate_above.items()
        ]
        notes.append(
            f"Forced escalation ({' or '.join(rules)}): {curve.forced:,} rows ({curve.forced / n:.2%}) always go "
            "to the expensive model."
        )
    notes.append(
        f"Recommended: the cheapest threshold whose accuracy >= {spec.target_accuracy:g}% (ties: higher accuracy, "
        f"then lower t). Safe: the cheapest whose Wilson score 95% lower bound (z = {Z95}) on correct/n meets "
        "the target, treating log rows as independent draws of future traffic."
    )
    notes.append(
        f"Threshold {ESCALATE_ALL!r} (just above the largest possible confidence, 1) means every item escalates."
    )
    notes.append(
        "Baselines: cheap_only runs the cheap model alone on every item and expensive_only the expensive model "
        "alone (forced rules ignored, threshold null); saving_vs_expensive_pct compares the recommended "
        "cost per item with expensive_only."
    )
    if spec.cheap_latency_ms is not None and spec.expensive_latency_ms is not None:
        notes.append(
            "Latency: per-item latency is the cheap latency or the escalated latency; p95 is nearest-rank "
            "(the ceil(0.95 n)-th smallest of the n per-item latencies), computed in closed form from the "
            "escalated count."
        )
    else:
        notes.append("Latency figures are null: give both --cheap-latency-ms and --expensive-latency-ms.")
    if spec.volume_per_day is not None:
        notes.append(
            f"Monthly cost = cost per 1k / 1000 x {spec.volume_per_day:,.0f} items/day x {spec.days_per_month:g} days."
        )
    else:
        notes.append("monthly_cost_usd is null: give --volume-per-day.")
    if spec.loss_column:
        notes.append(
            f"missed_positive_loss: sum of {spec.loss_column} over false negatives (positives predicted negative), "
            "in that column's currency."
        )
    notes.append(
        f"Curve: {shown} of {len(curve):,} points, chosen by a point-budget Ramer-Douglas-Peucker on (escalated share, "
        "accuracy) after dropping repeats and keeping each of 2,048 buckets' extremes, always keeping both ends, the recommended and the safe point."
    )
    return notes
