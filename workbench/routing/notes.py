"""The notes of a routing result: every method, definition and formula, in words.

Every figure the report shows is defined here once, so the JSON, the text, the memo and
pane 7 state the same formulas. Notes hold names exactly as given (JSON keeps every
string exact); the text and markdown renderers escape them for terminals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.routing.result import RoutingResult
from workbench.routing.sweep import ESCALATE_ALL

if TYPE_CHECKING:
    from workbench.routing.engine import Choice, Context


_GENERIC = {"cheap model": "the cheap model", "expensive model": "the expensive model"}


def _conf_words(result: RoutingResult, m: int = 0) -> str:
    name = _GENERIC.get(result.names[m], result.names[m])
    if result.log_format == "binary":
        return f"{name}'s confidence max(p, 1 - p)"
    return f"{name}'s confidence (confidence_{result.names[m]})"


def notes(result: RoutingResult, choice: Choice, ctx: Context, *, bin_count: int | None,
          money_terms: str) -> list[str]:
    spec = result.spec
    n = result.rows
    k = len(result.names)
    out: list[str] = []
    if choice.method == "exact":
        out.append(
            f"Method: exact sweep; every distinct value of {_conf_words(result)} among the "
            f"{choice.tallies.n - choice.tallies.forced:,} non-forced calibration rows is a "
            f"threshold t (escalate when confidence < t), {result.candidates:,} policies in all, "
            "computed by one sort and cumulative sums."
        )
    elif choice.method == "grid":
        sizes = " x ".join(str(g) for g in (choice.grid or ()))
        out.append(
            f"Method: grid search over {k} tiers; each routing tier's thresholds are {spec.grid} "
            "quantiles of its confidence on the non-forced calibration rows (at 0, "
            f"1/{spec.grid - 1}, ..., {spec.grid - 2}/{spec.grid - 1}; repeats merged) plus "
            f"escalate-all; all {sizes} = {result.candidates:,} policies evaluated exactly "
            "(per-cell sums, then prefix sums along each tier)."
        )
    else:
        b = bin_count or 0
        if k == 2 and result.log_format == "binary" and not spec.models:
            out.append(
                f"Method: binned sweep; {b:,} bins of cheap-model confidence over [0.5, 1] "
                f"(resolution {0.5 / b:g} in confidence); thresholds are bin edges and figures are "
                f"exact at each edge; {result.candidates:,} non-empty edges evaluated."
            )
        else:
            span = ("over [0.5, 1]" if result.log_format == "binary"
                    else "between its minimum and maximum")
            out.append(
                f"Method: binned {'sweep' if k == 2 else 'grid search'}; {b:,} bins per routing "
                f"tier of its confidence ({span}); thresholds are bin edges, figures exact at "
                f"each edge; {result.candidates:,} policies evaluated."
            )
        if spec.bins:
            out.append(
                "Bins file input: the decision threshold, forced rules and loss column were "
                "applied by the query that produced it; flags for them here only label the report."
            )
    out.append(
        "Units: accuracy, accuracy_wilson_low, recall and precision are percentages (0-100); "
        "escalated_share is a fraction (0-1) of rows sent past the first model; reached_share "
        "gives, per model, the fraction of rows it runs on; costs are USD per 1,000 items."
    )
    if result.log_format == "binary":
        out.append(
            f"Decision: a model predicts positive when its score >= {spec.decision_threshold:g}; "
            "accuracy is the share of decisions equal to the label. The log has "
            f"{result.positives:,} positives ({result.positives / n:.3%}), so recall and precision "
            "matter more than accuracy."
        )
    else:
        out.append(
            "Quality: each model's correct_<model> per item (0/1, or graded in [0, 1]); accuracy "
            "is mean quality in percent"
            + (" (graded scores present)." if ctx.graded else " (all 0/1).")
        )
    chain = " -> ".join(result.names)
    if spec.policy == "cascade":
        out.append(
            f"Policy cascade ({chain}): the first model answers every item; an item escalates to "
            "the next model when the current model's confidence is below its threshold, and the "
            "last model that ran answers. Cost and latency of an item = the sum over the models it "
            "ran on."
        )
    else:
        out.append(
            "Policy exclusive: escalated items run only on the expensive model and the rest only "
            "on the cheap one, so each item pays for one model; this assumes the routing signal is "
            "available before scoring (e.g. a precomputed cheap score)."
        )
    if spec.has_forced_rules:
        rules = [f"{c} nonzero" for c in spec.escalate_when] + [
            f"{c} > {v:g}" for c, v in spec.escalate_above.items()
        ]
        out.append(
            f"Forced escalation ({' or '.join(rules)}): {result.forced:,} rows "
            f"({result.forced / n:.2%}) always go from the first to the last model."
        )
    out.append(f"Recommended (objective {spec.objective}): the {result.chosen_by} (ties: higher "
               "accuracy, then lower thresholds).")
    if spec.objective == "total_cost" or ctx.money.any:
        out.append(
            f"Money: total cost per 1k = compute + {money_terms}, per 1,000 items; monthly figures "
            "multiply by the daily volume x days / 1,000."
        )
    g = result.guarantee
    if g is not None:
        safe_pick = ("lowest total cost" if spec.objective == "total_cost"
                     else "cheapest compute cost")
        out.append(
            f"Safe: Learn-then-Test fixed-sequence testing at risk delta = {g.delta:g}. Each "
            f"policy's null hypothesis is \"its {g.metric} on new traffic is below "
            f"{g.target:g}%\"; order: {g.sequence}; p-value: {g.method} tail bound on the "
            f"{'misses' if g.metric == 'recall' else 'errors'} of the {g.n:,} calibration "
            f"{'positives' if g.metric == 'recall' else 'rows'} "
            + ("(P(Bin(n, 1 - target) <= errors), Clopper-Pearson style)"
               if g.method == "exact binomial" else
               "(min of exp(-n h(mean loss, 1 - target)) and e P(Bin(n, 1 - target) <= ceil(loss "
               "sum)))")
            + f"; {g.certified:,} policies certified after {g.tested:,} tests; safe = the "
            f"{safe_pick} among them. "
            + g.statement
        )
    v = result.validation
    method = v.get("method")
    if method == "split":
        out.append(
            f"Validation: seeded split (seed {v.get('seed')}) into {v.get('rows_calibration'):,} "
            f"calibration rows (fraction {v.get('calibration_fraction'):g}) and "
            f"{v.get('rows_test'):,} test rows"
            + (", stratified by label" if v.get("stratified") else "")
            + "; policies are chosen on the calibration rows (the main table) and judged on the "
            "test rows (held-out table), which the choice never saw."
        )
    elif method == "kfold":
        out.append(
            f"Validation: {v.get('folds')}-fold cross-validation (seed {v.get('seed')}"
            + (", stratified by label" if v.get("stratified") else "")
            + "); the policies shown are chosen on all rows; the held-out figures pool, over the "
            "folds, the policy chosen on the other folds applied to each fold, so every row is "
            "judged by a choice that never saw it."
        )
    elif method == "none" and not spec.bins and not v.get("requested"):
        out.append("Validation: none; every figure is in sample (the rows the policy was "
                   "chosen on).")
    if result.log_format == "binary":
        out.append(
            f"Threshold {ESCALATE_ALL!r} (just above the largest possible confidence, 1) means "
            "every item escalates."
        )
    else:
        out.append("Threshold \"all\" (JSON) means every item escalates (a threshold above "
                   "every confidence).")
    base = "cheap_only and expensive_only run" if k == 2 else "tierN_only runs"
    out.append(
        f"Baselines: {base} one model alone on every item (forced rules ignored, threshold null); "
        "saving_vs_expensive_pct compares the recommended cost per item with the last model alone."
    )
    if result.tier_latency_ms is not None:
        out.append(
            "Latency: per-item latency is the sum over the models the item ran on; p95 is "
            "nearest-rank (the ceil(0.95 n)-th smallest of the n per-item latencies), computed "
            "from the count on each path."
        )
    else:
        out.append("Latency figures are null: give a latency for every model (--cheap-latency-ms "
                   "and --expensive-latency-ms, --latency-ms MODEL=MS, or session candidates).")
    if spec.volume_per_day is not None:
        out.append(
            f"Monthly cost = cost per 1k / 1000 x {spec.volume_per_day:,.0f} items/day x "
            f"{spec.days_per_month:g} days."
        )
    else:
        out.append("monthly_cost_usd is null: give --volume-per-day.")
    if spec.loss_column:
        out.append(
            f"missed_positive_loss: sum of {spec.loss_column} over false negatives (positives "
            "predicted negative), in that column's currency."
        )
    if result.routellm is not None:
        out.append(
            f"RouteLLM metrics on {result.routellm.rows:,} rows (the "
            f"{'test' if method == 'split' else 'replayed'} rows): over the curve of quality "
            "against the share of calls to the second model, APGR = (AUC - weak x span) / ((strong "
            "- weak) x span) with trapezoid AUC; CPT(p) = the smallest share of calls to the "
            "second model at which the linearly interpolated curve reaches weak + p (strong - "
            "weak)."
        )
    if k == 2:
        out.append(
            f"Curve: {len(result.curve)} of {result.candidates:,} points, chosen by a point-budget "
            "Ramer-Douglas-Peucker on (escalated share, accuracy) after dropping repeats and "
            "keeping each of 2,048 buckets' extremes, always keeping both ends, the recommended "
            "and the safe point."
        )
    out.append(
        f"Pareto set: {result.pareto_size:,} policies no other beats on both compute cost and "
        f"accuracy (on the calibration rows); {len(result.pareto)} shown."
    )
    return out
