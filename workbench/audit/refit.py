"""Still the right model? The session re-analysed at what production shows.

The scenario of the decision with:
    volume_per_day  = production's requests per day in the period
    per candidate seen in the log (by name):
        cost_per_1k = its observed cost per 1k (priced per request from now on:
                      pricing_mode per_inference, since the log says what it costs)
        latency_ms  = its observed mean latency (the figure candidate tables hold;
                      the p95 is judged against the limit in "against the decision")
        accuracy    = its observed accuracy, once it has min_labels labelled requests
When the deployed system is not itself a model of the log (a routed system, or models
logged under other names), the whole log's figures are the deployed candidate's.
Candidates production has not seen keep the decision's figures. The analysis is
`workbench.analysis.analyze`, unchanged; its pick is compared with the deployed system.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from workbench.analysis import Analysis, analyze
from workbench.audit.daily import Figures
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.evaluation import Evaluation


@dataclass(frozen=True)
class Observed:
    candidate: str
    cost_per_1k: float | None
    latency_ms: float | None
    accuracy: float | None  # None: too few labels
    source: str  # "the model's rows" or "the whole log"

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Refit:
    volume_per_day: float
    observed: tuple[Observed, ...]
    deployed: str | None
    pick: str | None
    holds: bool
    reason: str
    deployed_monthly_usd: float | None
    pick_monthly_usd: float | None
    deployed_accuracy: float | None
    pick_accuracy: float | None
    analysis: Analysis | None = field(default=None, repr=False)

    @property
    def replacement(self) -> str | None:
        return None if self.holds else self.pick

    @property
    def saving_pct(self) -> float | None:
        d, p = self.deployed_monthly_usd, self.pick_monthly_usd
        if d is None or p is None or d <= 0:
            return None
        return 100.0 * (d - p) / d

    def to_dict(self) -> dict[str, object]:
        return {"volume_per_day": self.volume_per_day,
                "observed": [o.to_dict() for o in self.observed],
                "deployed": self.deployed, "pick": self.pick, "holds": self.holds,
                "replacement": self.replacement, "reason": self.reason,
                "deployed_monthly_usd": self.deployed_monthly_usd,
                "pick_monthly_usd": self.pick_monthly_usd, "saving_pct": self.saving_pct,
                "deployed_accuracy": self.deployed_accuracy, "pick_accuracy": self.pick_accuracy}


def refit(evaluation: Evaluation, deployed: str | None, volume_per_day: float,
          system: Figures, per_model: dict[str, Figures], min_labels: float) -> Refit:
    """The module's re-analysis."""
    scenario = evaluation.analysis.scenario
    frame = scenario.candidates
    names = names_of(frame)
    observed: list[Observed] = []

    def seen(candidate: str, f: Figures, source: str) -> None:
        acc = f.accuracy if f.labelled >= min_labels else None
        observed.append(Observed(candidate, f.cost_per_1k, f.mean_latency_ms, acc, source))

    for model, f in per_model.items():
        if model in names and f.requests > 0:
            seen(model, f, "the model's rows")
    if deployed is not None and deployed not in per_model and system.requests > 0:
        seen(deployed, system, "the whole log")
    # The evaluation's scenario already holds the routed system as a candidate.
    frame = frame.copy()
    for o in observed:
        if o.candidate not in names:
            continue
        i = names.index(o.candidate)
        if o.cost_per_1k is not None:
            frame = _set(frame, i, "cost_per_1k", o.cost_per_1k)
            if "pricing_mode" in frame.columns or _priced_elsewhere(frame):
                frame = _set_text(frame, i, "pricing_mode", "per_inference")
        if o.latency_ms is not None:
            frame = _set(frame, i, "latency_ms", o.latency_ms)
        if o.accuracy is not None:
            frame = _set(frame, i, "accuracy", o.accuracy)
    workload = replace(scenario.workload, volume_per_day=volume_per_day)
    try:
        analysis = analyze(scenario.with_(candidates=frame, workload=workload))
    except InputError as exc:
        return Refit(volume_per_day, tuple(observed), deployed, None, False,
                     f"the re-analysis could not run: {exc}", None, None, None, None)
    rec = analysis.recommendation
    pick = rec.name if rec is not None else None

    def monthly(name: str | None) -> float | None:
        if name is None or analysis.position(name) is None:
            return None
        v = float(analysis.row(name)["monthly_cost_usd"])
        return v if np.isfinite(v) else None

    def accuracy(name: str | None) -> float | None:
        if name is None or analysis.position(name) is None:
            return None
        return float(analysis.row(name)["accuracy"])

    holds = pick is not None and pick == deployed
    if rec is None:
        reason = ("at production's figures no candidate meets every constraint: "
                  f"{analysis.no_recommendation_reason}")
    elif holds:
        reason = f"at production's figures {deployed} is still the pick ({rec.reason})"
    else:
        # The deployed model may be absent from the re-analysis (not among the candidates).
        at = analysis.position(deployed) if deployed is not None else None
        broken = analysis.violations_at(at) if at is not None else []
        why = f"; {deployed} now breaks {'; '.join(broken)}" if broken else ""
        reason = f"at production's figures the pick is {pick} ({rec.reason}){why}"
    return Refit(volume_per_day, tuple(observed), deployed, pick, holds, reason,
                 monthly(deployed), monthly(pick), accuracy(deployed), accuracy(pick), analysis)


def _priced_elsewhere(frame: pd.DataFrame) -> bool:
    from workbench.columns import priced_elsewhere

    return priced_elsewhere(list(frame.columns))


def _set(frame: pd.DataFrame, i: int, column: str, value: float) -> pd.DataFrame:
    if column not in frame.columns:
        frame[column] = np.nan
    values = frame[column].to_numpy(dtype=float, copy=True)
    values[i] = value
    frame[column] = values
    return frame


def _set_text(frame: pd.DataFrame, i: int, column: str, value: str) -> pd.DataFrame:
    values = (frame[column].astype(object).tolist() if column in frame.columns
              else [None] * len(frame))
    values[i] = value
    frame[column] = pd.Series(values, dtype=object, index=frame.index)
    return frame
