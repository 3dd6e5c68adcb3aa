"""`audit(session, logs)`: the whole audit of a decision against production, one object.

The CLI (`workbench audit`), the TUI's audit pane and the JSON output format this one
result; nothing is computed twice. The steps, each in its own module:
    logs        the log -> per (day, model, latency bin) sums (DuckDB, out of core)
    pricing     cost_usd from the session's cost model when the log has none
    daily       the daily picture, per day and model and for the system
    anomalies   days that leave their rolling baseline
    thresholds  what the decision assumed and the criteria ([monitoring])
    checks      each assumption against production, and the criteria judged
    decompose   why the bill changed between two periods, and where
    refit       the session re-analysed at production's figures
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from workbench.audit.anomalies import Anomaly, find_anomalies
from workbench.audit.checks import (
    AssumptionCheck,
    CriterionResult,
    Observation,
    assumption_checks,
    judge,
    observation,
)
from workbench.audit.daily import DailyPicture, Figures, daily_picture, figures
from workbench.audit.decompose import BillChange, Usage, decompose, usage_by, where
from workbench.audit.logs import TOKEN_COLUMNS, LogAggregates, read_aggregates, read_log
from workbench.audit.periods import Period, clip, default_periods
from workbench.audit.pricing import fill_costs, token_weights
from workbench.audit.refit import Refit, refit
from workbench.audit.thresholds import DecisionBaseline, decision_baseline
from workbench.errors import InputError
from workbench.evaluation import Evaluation, evaluate
from workbench.model import Session


@dataclass(frozen=True)
class AuditOptions:
    """What the audit compares and how it reads the log. The anomaly settings and the
    thresholds are the session's [monitoring] (set them there, or override the fields
    on the session before calling)."""

    baseline_period: Period | None = None
    period: Period | None = None
    by: str | None = None  # a dimension column of the log
    mapping: dict[str, str] = field(default_factory=dict)  # log column -> header
    aggregated: bool = False  # LOGS is the output of the emitted SQL


@dataclass
class AuditResult:
    source: str
    columns: dict[str, str]  # log column -> the log's header
    dimension: str | None
    first_day: date
    last_day: date
    rows: float
    requests: float
    baseline: DecisionBaseline
    period: Period
    baseline_period: Period | None
    observed: Observation
    daily: DailyPicture
    anomalies: tuple[Anomaly, ...]
    assumptions: tuple[AssumptionCheck, ...]
    change: BillChange | None
    refit: Refit | None
    criteria: tuple[CriterionResult, ...]
    lookback_days: int
    anomaly_threshold: float
    min_anomaly_usd: float
    notes: list[str] = field(default_factory=list)

    @property
    def deployed(self) -> str | None:
        return self.baseline.deployed

    @property
    def demote(self) -> bool:
        """A demotion criterion fails."""
        return any(r.status == "fail" and r.criterion.kind == "demote" for r in self.criteria)

    @property
    def promote(self) -> str | None:
        """The candidate the promotion criterion passes for, if any."""
        for r in self.criteria:
            if r.criterion.kind == "promote" and r.status == "pass" and self.refit is not None:
                return self.refit.pick
        return None

    def to_json_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "columns": dict(self.columns),
            "dimension": self.dimension,
            "days": {"first": self.first_day.isoformat(), "last": self.last_day.isoformat()},
            "rows": self.rows,
            "requests": self.requests,
            "deployed": self.deployed,
            "period": self.period.to_dict(),
            "baseline_period": (None if self.baseline_period is None
                                else self.baseline_period.to_dict()),
            "observed": {"volume_per_day": self.observed.volume_per_day,
                         "cost_usd_per_day": self.observed.cost_per_day,
                         "run_rate_monthly_usd": self.observed.run_rate_monthly_usd,
                         **self.observed.figures.to_dict()},
            "decision": self.baseline.to_dict(),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "anomalies": [a.to_dict() for a in self.anomalies],
            "anomaly_settings": {"lookback_days": self.lookback_days,
                                 "threshold": self.anomaly_threshold,
                                 "min_usd": self.min_anomaly_usd},
            "change": None if self.change is None else self.change.to_dict(),
            "refit": None if self.refit is None else self.refit.to_dict(),
            "criteria": [r.to_dict() for r in self.criteria],
            "demote": self.demote,
            "promote": self.promote,
            "daily": self.daily.to_dict(),
            "notes": [str(n) for n in self.notes],
        }


def audit(session: Session, logs: Path, options: AuditOptions = AuditOptions(), *,
          base_dir: Path | None = None, evaluation: Evaluation | None = None,
          source: str | None = None) -> AuditResult:
    """Audit `session` against the production log at `logs` (CSV, Parquet, a folder of
    Parquet files, or with `options.aggregated` the output of the emitted SQL).
    `base_dir` is the session file's folder (for a [routing] log); pass `evaluation`
    when it is already computed. Raises InputError for a log or options it cannot use."""
    src = source or str(logs)
    if options.aggregated:
        aggregates = read_aggregates(logs, src)
        if options.by is not None and aggregates.columns.dimension is None:
            raise InputError("--by: the aggregated file has no dimension column (emit the SQL "
                             "with --by)", source=src)
    else:
        aggregates = read_log(logs, mapping=options.mapping or None, by=options.by, source=src)
    if evaluation is None:
        evaluation = evaluate(session, base_dir, robust=False)
    return audit_aggregates(evaluation, aggregates, options)


def audit_aggregates(evaluation: Evaluation, aggregates: LogAggregates,
                     options: AuditOptions = AuditOptions()) -> AuditResult:
    """The audit of already aggregated sums (the pure part: no file is read)."""
    session = evaluation.session
    mon = session.monitoring
    notes = list(aggregates.notes)
    frame, priced = fill_costs(aggregates.frame, evaluation, aggregates.source)
    notes += priced
    detail = _detail(frame)
    dims = _by_dimension(frame)
    daily = daily_picture(detail)
    first, last = daily.days[0], daily.days[-1]
    baseline_period = (None if options.baseline_period is None else
                       clip(options.baseline_period, first, last, "--baseline-period", notes))
    period = (None if options.period is None else
              clip(options.period, first, last, "--period", notes))
    baseline_period, period = default_periods(first, last, baseline_period, period)
    assert period is not None
    if baseline_period is not None and baseline_period.end >= period.start and (
            baseline_period.start <= period.end):
        notes.append(f"the baseline period {baseline_period} and the period {period} overlap")
    now = _within(detail, period)
    system = figures(now)
    base = decision_baseline(evaluation)
    obs = observation(system, period.days, base)
    assumptions = assumption_checks(base, obs, mon.min_volume_per_day, mon.max_volume_per_day)
    change = None
    if baseline_period is not None:
        work = any(c in frame.columns for c in TOKEN_COLUMNS)
        weights = token_weights(evaluation)
        before = _within(detail, baseline_period)
        u0: dict[str, Usage] = {str(k): v for k, v in usage_by(
            before, ["model"], baseline_period.days, work, weights).items()}
        u1: dict[str, Usage] = {str(k): v for k, v in usage_by(
            now, ["model"], period.days, work, weights).items()}
        change = decompose(u0, u1, baseline_period=baseline_period, period=period,
                           days_per_month=base.days_per_month)
        if dims is not None:
            c0 = usage_by(_within(dims, baseline_period), ["model", "dimension"],
                          baseline_period.days, work, weights)
            c1 = usage_by(_within(dims, period), ["model", "dimension"], period.days, work,
                          weights)
            change = replace(change, where=where(
                options.by or str(aggregates.columns.dimension),
                {_cell(k): v for k, v in c0.items()}, {_cell(k): v for k, v in c1.items()},
                u0, u1))
    per_model = {str(m): figures(g) for m, g in now.groupby("model", sort=False)}
    fit = refit(evaluation, base.deployed, obs.volume_per_day, system, per_model,
                mon.min_labels) if obs.volume_per_day > 0 else None
    criteria = judge(base, obs, fit, mon.promote_max_accuracy_loss_pp)
    lookback = int(mon.lookback_days)
    anomalies = find_anomalies(daily, lookback, mon.anomaly_threshold, mon.min_anomaly_usd)
    return AuditResult(
        source=aggregates.source, columns=dict(aggregates.columns.headers),
        dimension=aggregates.columns.dimension, first_day=first, last_day=last,
        rows=float(detail["rows"].sum()), requests=float(detail["requests"].sum()),
        baseline=base, period=period, baseline_period=baseline_period, observed=obs,
        daily=daily, anomalies=anomalies, assumptions=assumptions, change=change, refit=fit,
        criteria=criteria, lookback_days=lookback, anomaly_threshold=mon.anomaly_threshold,
        min_anomaly_usd=mon.min_anomaly_usd, notes=notes,
    )


def _cell(key: object) -> tuple[str, str]:
    """A (model, dimension value) group key as two texts."""
    if not (isinstance(key, tuple) and len(key) == 2):
        raise TypeError(f"expected a (model, value) group key, got {key!r}")
    model, value = key
    return str(model), str(value)


def _detail(frame: pd.DataFrame) -> pd.DataFrame:
    if "_set" in frame.columns:
        return frame[frame["_set"] == 0]
    return frame


def _by_dimension(frame: pd.DataFrame) -> pd.DataFrame | None:
    if "_set" in frame.columns:
        return frame[frame["_set"] == 1]
    return None


def _within(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return frame[(frame["day"] >= start) & (frame["day"] <= end)]


__all__ = ["AuditOptions", "AuditResult", "Figures", "audit", "audit_aggregates"]
