"""The inputs of an analysis: workload, constraints, criteria, what-if settings.

These are plain frozen dataclasses so that a session can be compared, hashed into a
cache key, and written to TOML without surprises. The candidate table itself is a
pandas DataFrame with canonical column names (see `columns.CANONICAL`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

Direction = Literal["max", "min"]
Scale = Literal["linear", "log10"]
Normalization = Literal["minmax", "ratio", "vector"]

NORMALIZATIONS: tuple[str, ...] = ("minmax", "ratio", "vector")
DEFAULT_MULTIPLIERS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)

# "cost" in a criterion means "the cost column used for the frontier": the monthly cost
# when a volume is set, else cost_per_1k. It keeps a session meaningful when the volume
# is added or removed later.
COST_ALIAS = "cost"
# "total_cost" means compute plus the cost of errors (needs an error cost and a volume).
TOTAL_COST_ALIAS = "total_cost"


@dataclass(frozen=True)
class Workload:
    volume_per_day: float | None = None
    days_per_month: float = 30.0
    horizon_months: float = 12.0
    # Peak requests per second over the day's average: what instance capacity must meet.
    peak_to_average: float = 1.0

    @property
    def monthly_volume(self) -> float | None:
        if self.volume_per_day is None:
            return None
        return self.volume_per_day * self.days_per_month


@dataclass(frozen=True)
class Constraints:
    max_latency_ms: float | None = None
    monthly_budget_usd: float | None = None
    min_accuracy: float | None = None
    # Limits on any other numeric column: {column: limit}.
    max: dict[str, float] = field(default_factory=dict)
    min: dict[str, float] = field(default_factory=dict)

    def __hash__(self) -> int:  # dict fields make the default hash fail
        return hash(
            (
                self.max_latency_ms,
                self.monthly_budget_usd,
                self.min_accuracy,
                tuple(sorted(self.max.items())),
                tuple(sorted(self.min.items())),
            )
        )

    def is_empty(self) -> bool:
        return (
            self.max_latency_ms is None
            and self.monthly_budget_usd is None
            and self.min_accuracy is None
            and not self.max
            and not self.min
        )


@dataclass(frozen=True)
class Criterion:
    column: str
    direction: Direction
    weight: float
    scale: Scale = "linear"


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("accuracy", "max", 0.4),
    Criterion("latency_ms", "min", 0.2),
    Criterion(COST_ALIAS, "min", 0.3),
    Criterion("maintainability", "max", 0.1),
)


@dataclass(frozen=True)
class Scoring:
    # None means "the defaults": they adapt to which columns the table has.
    criteria: tuple[Criterion, ...] | None = None
    normalization: Normalization = "minmax"
    # How the recommendation is chosen: the weighted matrix, or the lowest total cost
    # (compute + errors x error cost) among feasible candidates.
    rank_by: str = "matrix"


@dataclass(frozen=True)
class WhatIf:
    baseline: str | None = None
    error_cost_usd: float | None = None
    volume_multipliers: tuple[float, ...] = DEFAULT_MULTIPLIERS


@dataclass(frozen=True)
class Pricing:
    """How candidates priced per token or on instances are priced (workbench.pricing).

    A candidate's own column of the same name wins over these session defaults."""

    input_tokens_per_request: float | None = None
    output_tokens_per_request: float | None = None
    cached_input_tokens_per_request: float | None = None
    utilization: float = 0.7  # target share of an instance's throughput in use
    min_instances: float = 1.0
    hours_per_month: float = 730.0
    plan: str = "on_demand"  # on_demand | reserved_1y | reserved_3y | spot
    spot_interruption_overhead: float = 0.10
    # Catalogue prices are taken on this date (ISO); None = today. A saved record pins it.
    prices_as_of: str | None = None


@dataclass(frozen=True)
class Tco:
    """The total-cost-of-ownership ledger's settings and line items."""

    retrainings_per_year: float = 0.0
    # What the decision matrix's "cost" criterion reads: the monthly cost, or the
    # horizon total cost of ownership per month (every ledger line).
    cost_basis: str = "monthly"
    # Line items as plain tables (workbench.pricing.ledger.LedgerItem.to_dict), so the
    # model does not depend on the pricing package.
    items: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class Uncertainty:
    """How sure the decision is: eval-set size, input ranges, SMAA draws, drift."""

    eval_n: float | None = None  # items in the eval set (a table column eval_n wins)
    interval: str = "wilson"  # wilson | beta
    smaa_draws: float = 10_000.0  # 0: no SMAA
    seed: float = 0.0
    weights: str = "simplex"  # simplex | fixed | ranges
    accuracy_model: str = "beta"  # beta | normal
    price_range_pct: float | None = None  # +-% on prices (a column price_range_pct wins)
    latency_range_pct: float | None = None  # +-% on latencies
    drift_pp_per_month: float | None = None  # accuracy lost per month in production


@dataclass(frozen=True)
class Decision:
    """What the humans decided; the analysis never fills this in."""

    chosen: str | None = None
    rationale: str | None = None
    decided_by: str | None = None
    decided_on: str | None = None  # ISO date as typed; kept as text on purpose

    def is_empty(self) -> bool:
        return not any((self.chosen, self.rationale, self.decided_by, self.decided_on))


@dataclass(frozen=True)
class Monitoring:
    """How the decision is watched in production (`workbench audit`): the thresholds
    that demote the deployed model or promote another, and the anomaly settings.

    None means "follow the decision": the p95 limit is [constraints] max_latency_ms,
    the accuracy floor [constraints] min_accuracy, the volume ceiling the volume at
    which the budget breaks, the escalation ceiling the routing plan's share."""

    max_cost_per_1k_drift_pct: float | None = None  # observed over assumed, in percent
    max_p95_latency_ms: float | None = None
    min_accuracy: float | None = None  # percent
    min_labels: float = 300.0  # labelled requests before accuracy is judged
    max_escalation_share: float | None = None  # fraction 0..1
    max_volume_per_day: float | None = None
    min_volume_per_day: float | None = None
    promote_min_saving_pct: float | None = None  # None: no promotion check
    promote_max_accuracy_loss_pp: float = 0.0
    lookback_days: float = 28.0
    anomaly_threshold: float = 6.0  # robust z (median and MAD)
    min_anomaly_usd: float = 0.0


@dataclass(frozen=True)
class Source:
    """Where the embedded candidate table came from (informational only)."""

    path: str | None = None
    sha256: str | None = None  # of the file's bytes
    mapping: dict[str, str] = field(default_factory=dict)
    # Of the table as loaded from the file (workbench.provenance.table_digest): tells an
    # edit of the embedded table apart from the file it cites.
    table_sha256: str | None = None
    # Rows imported from an experiment tracker: {"mlflow": {"tracking_uri": ...,
    # "experiment": ..., "imported_at": ...}}, written as [source.mlflow] (keys in
    # workbench.session.schema.TRACKER_KEYS). Each row's run id is in its run_id column.
    tracker: dict[str, dict[str, str | int]] = field(default_factory=dict)

    def __hash__(self) -> int:
        trackers = tuple((k, tuple(sorted(v.items()))) for k, v in sorted(self.tracker.items()))
        return hash((self.path, self.sha256, tuple(sorted(self.mapping.items())),
                     self.table_sha256, trackers))


@dataclass(frozen=True)
class Scenario:
    """Everything `analyze` needs: the table plus the settings. No file metadata."""

    candidates: pd.DataFrame
    workload: Workload = Workload()
    constraints: Constraints = Constraints()
    scoring: Scoring = Scoring()
    whatif: WhatIf = WhatIf()
    pricing: Pricing = Pricing()
    tco: Tco = Tco()
    uncertainty: Uncertainty = Uncertainty()

    def with_(self, **changes: object) -> Scenario:
        return replace(self, **changes)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return (
            self.workload == other.workload
            and self.constraints == other.constraints
            and self.scoring == other.scoring
            and self.whatif == other.whatif
            and self.pricing == other.pricing
            and self.tco == other.tco
            and self.uncertainty == other.uncertainty
            and frames_equal(self.candidates, other.candidates)
        )

    __hash__ = None  # type: ignore[assignment]


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same columns, same order, same values (NaN equal to NaN), dtype-tolerant."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns:
        left = a[col].reset_index(drop=True)
        right = b[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
            lv = left.to_numpy(dtype=float)
            rv = right.to_numpy(dtype=float)
            same = (lv == rv) | (pd.isna(lv) & pd.isna(rv))
            if not bool(same.all()):
                return False
        else:
            lo = left.astype(object).where(left.notna(), None).tolist()
            ro = right.astype(object).where(right.notna(), None).tolist()
            if lo != ro:
                return False
    return True


@dataclass(frozen=True)
class Session:
    """A decision record: the scenario plus who, when, why. Saved as TOML."""

    scenario: Scenario
    title: str = "Untitled decision"
    notes: str = ""
    created: str | None = None  # ISO 8601 with offset; text keeps TOML round trips exact
    modified: str | None = None
    source: Source = Source()
    decision: Decision = Decision()
    monitoring: Monitoring = Monitoring()
    # The routing simulator's inputs (`workbench.routing.spec.RoutingSpec.to_dict()`),
    # kept as a plain table so this module does not depend on the routing package.
    routing: dict[str, object] | None = None
    # The prices the last evaluation used (workbench.pricing.resolve.PriceUsed.to_dict):
    # value, unit, source and date, so a record read years later says what it assumed.
    prices_used: tuple[dict[str, object], ...] = ()

    def with_(self, **changes: object) -> Session:
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_scenario(self, **changes: object) -> Session:
        return replace(self, scenario=replace(self.scenario, **changes))  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]
