"""After the decision: auditing production against it (`workbench audit`).

One call, `audit(session, logs, options)`, returns an `AuditResult`: the daily picture,
each assumption of the decision against production with a verdict, anomalies, why
the bill changed between two periods (an exact Shapley decomposition, and where with
`--by`), the session re-analysed at production's figures, and the [monitoring]
criteria judged. `audit_aggregates` does the same from already aggregated sums.
Pure: DuckDB, sqlglot, numpy and pandas; no UI toolkit. See each module for its
formulas: logs, pricing, daily, anomalies, thresholds, checks, decompose, refit.
"""

from workbench.audit.anomalies import Anomaly
from workbench.audit.checks import AssumptionCheck, CriterionResult, Observation
from workbench.audit.daily import ALL_MODELS, DailyPicture, DayFigures, Figures
from workbench.audit.decompose import (
    FACTOR_LABELS,
    FACTORS,
    BillChange,
    DimensionChange,
    ModelChange,
    WhereChange,
)
from workbench.audit.logs import aggregation_sql
from workbench.audit.periods import Period, parse_period
from workbench.audit.refit import Observed, Refit
from workbench.audit.run import AuditOptions, AuditResult, audit, audit_aggregates
from workbench.audit.thresholds import Criterion, DecisionBaseline, decision_baseline

__all__ = [
    "ALL_MODELS", "FACTORS", "FACTOR_LABELS", "Anomaly", "AssumptionCheck", "AuditOptions",
    "AuditResult", "BillChange", "Criterion", "CriterionResult", "DailyPicture", "DayFigures",
    "DecisionBaseline", "DimensionChange", "Figures", "ModelChange", "Observation", "Observed",
    "Period", "Refit", "WhereChange", "aggregation_sql", "audit", "audit_aggregates",
    "decision_baseline", "parse_period",
]
