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


def _figures_dict(figures: Any) -> dict[str, Any]:
    """Every field, in declaration order (the JSON key order), as a JSON-safe number."""
    return {f.name: _num(getattr(figures, f.name)) for f in fields(figures)}


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

    def to_dict(self) -> dict[str, Any]:
        return _figures_dict(self)


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
    method: str  # "exact" or "bins"
    candidates: int  # thresholds evaluated before downsampling
    notes: list[str] = field(default_factory=list)

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
        }
