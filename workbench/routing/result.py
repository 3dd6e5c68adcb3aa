"""RoutingResult: what a routing simulation found, ready for JSON, markdown or a TUI."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from workbench.routing.spec import RoutingSpec


def _num(value: float | int | None) -> float | int | None:
    # JSON has no NaN/inf; undefined figures are null.
    if value is None:
        return None
    if isinstance(value, int):
        return value
    v = float(value)
    return v if math.isfinite(v) else None


def _threshold(value: float | None) -> float | str | None:
    """A threshold for JSON: +inf (a quality log's "escalate all") is the string "all"."""
    if value is None:
        return None
    v = float(value)
    if v == math.inf:
        return "all"
    return v if math.isfinite(v) else None


def _json(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (str, bool)) or value is None:
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return _num(value)


def _figures_dict(figures: Any) -> dict[str, Any]:
    """Every field, in declaration order (the JSON key order), as a JSON-safe number."""
    out: dict[str, Any] = {}
    for f in fields(figures):
        value = getattr(figures, f.name)
        if f.name == "threshold":
            out[f.name] = _threshold(value)
        elif f.name == "thresholds":
            out[f.name] = None if value is None else [_threshold(v) for v in value]
        else:
            out[f.name] = _json(value)
    return out


@dataclass(frozen=True)
class PolicyFigures:
    """Figures of one routing policy. Accuracy, recall, precision are percent (0-100)."""

    threshold: float | None  # None for the single-model baselines
    escalated_share: float  # fraction 0-1 of items that reach the expensive model
    accuracy: float
    accuracy_wilson_low: float
    recall: float | None  # None when the log has no positives
    precision: float | None  # None when nothing is predicted positive
    cost_per_1k: float
    monthly_cost_usd: float | None  # None without a daily volume
    mean_latency_ms: float | None  # None without both latencies
    p95_latency_ms: float | None
    missed_positive_loss: float | None = None  # None without a loss column
    # Routing v2. thresholds: one per tier but the last (None for a baseline); the
    # legacy ``threshold`` is the first. reached_share: fraction of items that run on
    # each tier. rows: the items these figures are computed on.
    thresholds: tuple[float, ...] | None = None
    reached_share: tuple[float, ...] | None = None
    rows: int | None = None
    forced_share: float | None = None  # fraction of rows escalated by a forced rule
    # Money. misses: false negatives (binary) or wrong answers (sum of 1 - quality);
    # false_alarms: false positives (binary). Costs in USD per 1,000 items; the total is
    # compute + misses + false alarms, present when the spec prices an error.
    misses: float | None = None
    false_alarms: float | None = None
    miss_cost_per_1k: float | None = None
    false_alarm_cost_per_1k: float | None = None
    total_cost_per_1k: float | None = None
    total_monthly_usd: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return _figures_dict(self)


@dataclass(frozen=True)
class Guarantee:
    """The safe policy's finite-sample guarantee (Learn-then-Test, fixed-sequence)."""

    metric: str  # "accuracy" or "recall"
    target: float  # percent
    delta: float
    n: int  # items (positives for recall) the tests used
    method: str  # "exact binomial" or "Hoeffding-Bentkus"
    sequence: str  # how the hypotheses were ordered
    tested: int  # hypotheses tested before the first failure (inclusive)
    certified: int  # policies certified
    statement: str  # in plain words

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class RouteLLMMetrics:
    """RouteLLM's router metrics for two tiers (Ong et al. 2024, routellm/evals/evaluate.py).

    Over the curve of (share of calls to the strong model, quality) across thresholds:
    APGR = (AUC - weak * span) / ((strong - weak) * span), the area under the curve
    (trapezoids) relative to the gap between the models; CPT(p) = the smallest share of
    strong calls (percent) at which the piecewise-linear curve reaches weak + p (strong -
    weak); None when it never does or the strong model is not better.
    """

    apgr: float | None
    cpt50: float | None  # percent of calls
    cpt80: float | None
    weak_quality: float  # percent
    strong_quality: float
    rows: int
    points: int

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class TierDrift:
    tier: str
    ks_statistic: float
    ks_p_value: float
    psi: float

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class DriftReport:
    """Last month's log (the spec's) against this month's, at the chosen policy."""

    source: str
    rows_before: int
    rows_after: int
    tiers: tuple[TierDrift, ...]  # one per routing tier (all but the last)
    policy: str  # "recommended" or "safe"
    before: PolicyFigures
    after: PolicyFigures
    metric: str  # "accuracy" or "recall"
    target: float
    meets_target: bool
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class CurvePoint:
    """One downsampled point of the threshold curve (percent units as above)."""

    threshold: float
    escalated_share: float
    accuracy: float
    accuracy_wilson_low: float
    recall: float | None
    precision: float | None
    cost_per_1k: float

    def to_dict(self) -> dict[str, Any]:
        return _figures_dict(self)


@dataclass
class RoutingResult:
    """Outcome of ``workbench.routing.simulate``."""

    spec: RoutingSpec
    policy: str
    target_accuracy: float
    recommended: PolicyFigures | None
    recommended_reason: str | None
    safe: PolicyFigures | None
    safe_reason: str | None
    baselines: dict[str, PolicyFigures]  # "cheap_only", "expensive_only"
    saving_vs_expensive_pct: float | None
    curve: list[CurvePoint]
    rows: int
    positives: int
    forced: int
    method: str  # "exact", "grid" or "bins"
    candidates: int  # policies evaluated before downsampling
    notes: list[str] = field(default_factory=list)
    # ---- routing v2
    names: tuple[str, ...] = ("cheap model", "expensive model")  # tier order
    log_format: str = "binary"  # "binary" or "quality"
    objective: str = "accuracy"
    chosen_by: str = ""  # which objective chose the recommended policy, in words
    tier_cost_per_1k: tuple[float, ...] = ()
    tier_latency_ms: tuple[float, ...] | None = None
    grid: tuple[int, ...] | None = None  # thresholds per routing tier (grid search)
    validation: dict[str, Any] = field(default_factory=dict)
    # Figures on rows the choice never saw (test split, or pooled k-fold): keys
    # "recommended", "safe" and the baselines' keys. None without validation.
    held_out: dict[str, PolicyFigures] | None = None
    guarantee: Guarantee | None = None
    pareto: list[PolicyFigures] = field(default_factory=list)
    pareto_size: int = 0
    routellm: RouteLLMMetrics | None = None
    drift: DriftReport | None = None

    def chosen(self) -> tuple[str, PolicyFigures | None]:
        """The policy the spec's ``as_candidate`` names, with its honest figures
        (held-out when a validation ran, else in-sample)."""
        which = self.spec.as_candidate
        if which == "none":
            return which, None
        in_sample = self.recommended if which == "recommended" else self.safe
        if in_sample is None:
            return which, None
        if self.held_out and self.held_out.get(which) is not None:
            return which, self.held_out[which]
        return which, in_sample

    def candidate_name(self, figures: PolicyFigures | None = None) -> str:
        """`cascade: fraud-lite -> ensemble @ 0.6465` (one threshold per tier but the last)."""
        if self.spec.name:
            return self.spec.name
        fig = figures
        if fig is None:
            fig = self.recommended if self.spec.as_candidate == "recommended" else self.safe
        chain = " -> ".join(self.names)
        if fig is None or fig.thresholds is None:
            return f"{self.policy}: {chain}"
        binary = self.log_format == "binary"
        ts = ", ".join(_short_threshold(t, binary) for t in fig.thresholds)
        return f"{self.policy}: {chain} @ {ts}"

    def as_candidate(self, candidates: Any = None) -> dict[str, Any] | None:
        """The routed system as a row of the candidate table (None when no policy).

        name after tiers and thresholds; cost_per_1k, accuracy (percent), latency_ms
        (mean) and p95_latency_ms of the chosen policy (``spec.as_candidate``: recommended
        or safe), held-out figures when a validation ran; maintainability the spec's, else
        the worst (lowest) of its tiers'; fixed_monthly_usd and one_time_usd the sum of its
        tiers' when the candidate table (a DataFrame with a ``name`` column) has them.
        """
        which, fig = self.chosen()
        if fig is None:
            return None
        in_sample = self.recommended if which == "recommended" else self.safe
        row: dict[str, Any] = {
            "name": self.candidate_name(in_sample),
            "accuracy": fig.accuracy,
            "latency_ms": fig.mean_latency_ms,
            "p95_latency_ms": fig.p95_latency_ms,
            "cost_per_1k": fig.cost_per_1k,
        }
        tiers = _tier_rows(candidates, self.names)
        maintainability = self.spec.maintainability
        if maintainability is None and tiers:
            values = [_finite(r.get("maintainability")) for r in tiers]
            if values and all(v is not None for v in values):
                maintainability = min(v for v in values if v is not None)
        row["maintainability"] = maintainability
        for column in ("fixed_monthly_usd", "one_time_usd"):
            values = [_finite(r.get(column)) for r in tiers]
            present = [v for v in values if v is not None]
            if present:
                row[column] = float(sum(present))
        row["routing_policy"] = which
        held = bool(self.held_out and self.held_out.get(which))
        row["figures_on"] = "held-out rows" if held else "replayed rows"
        return row

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "target_accuracy": _num(self.target_accuracy),
            "recommended": self.recommended.to_dict() if self.recommended else None,
            "recommended_reason": self.recommended_reason,
            "safe": self.safe.to_dict() if self.safe else None,
            "safe_reason": self.safe_reason,
            "baselines": {name: fig.to_dict() for name, fig in self.baselines.items()},
            "saving_vs_expensive_pct": _num(self.saving_vs_expensive_pct),
            "curve": [p.to_dict() for p in self.curve],
            "rows": self.rows,
            "notes": list(self.notes),
            "models": list(self.names),
            "log_format": self.log_format,
            "method": self.method,
            "policies_evaluated": self.candidates,
            "grid": None if self.grid is None else list(self.grid),
            "objective": self.objective,
            "target_recall": _num(self.spec.target_recall),
            "chosen_by": self.chosen_by,
            "tier_cost_per_1k": list(self.tier_cost_per_1k),
            "tier_latency_ms": None if self.tier_latency_ms is None else list(self.tier_latency_ms),
            "validation": _json(self.validation),
            "held_out": (None if self.held_out is None
                         else {k: v.to_dict() for k, v in self.held_out.items()}),
            "guarantee": self.guarantee.to_dict() if self.guarantee else None,
            "pareto_size": self.pareto_size,
            "pareto": [p.to_dict() for p in self.pareto],
            "routellm": self.routellm.to_dict() if self.routellm else None,
            "drift": self.drift.to_dict() if self.drift else None,
            "candidate": self.as_candidate(),
        }


def _short_threshold(t: float, binary: bool) -> str:
    if t == math.inf or (binary and t == math.nextafter(1.0, 2.0)):
        return "all"
    return f"{t:.4g}"


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _tier_rows(candidates: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each tier's candidate row (as a dict), matched by name ignoring case and
    punctuation; empty unless every tier is a candidate."""
    if candidates is None or "name" not in getattr(candidates, "columns", ()):
        return []
    from workbench.routing.spec import normalize_name

    records = candidates.to_dict("records")
    rows = []
    for name in names:
        hits = [r for r in records if str(r["name"]) == name] or [
            r for r in records if normalize_name(str(r["name"])) == normalize_name(name)
        ]
        if len(hits) != 1:
            return []
        rows.append(hits[0])
    return rows
