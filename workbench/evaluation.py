"""One evaluation of a decision record: a session goes in, everything it implies comes out.

`evaluate(session)` runs the analysis and, when the session has [routing], the routing
simulation, once; the memo, the CLI, the TUI panes and the Python API all format this
one object, so no figure is computed twice or differently in two views.

The workload's volume is the only volume: routing is priced at [workload]
volume_per_day and days_per_month (a [routing] volume is migrated or refused when the
session is read; see `workbench.session.toml_v1`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError, Note
from workbench.model import Scenario, Session

if TYPE_CHECKING:
    from workbench.pricing.questions import BreakEven, ReserveAnswer
    from workbench.robustness import (
        AccuracyUncertainty,
        Risk,
        SmaaResult,
        Swaps,
        TornadoBar,
        TotalCostPick,
        WeightSensitivity,
    )
    from workbench.routing import RoutingResult

# SMAA draws one ranking per draw over every candidate: above this many candidates it
# is skipped (with a note) rather than made slow; the closed-form sensitivity still runs.
SMAA_MAX_CANDIDATES = 5_000
# Pair-wise swaps re-evaluate the pick and the runner-up many times; cheap up to here.
SWAPS_MAX_CANDIDATES = 50_000


@dataclass
class Robustness:
    """How sure the pick is (workbench.robustness): each part None when it does not
    apply (no pick, no eval-set size, SMAA off or the table too large)."""

    sensitivity: tuple[WeightSensitivity, ...] = ()
    tornado: tuple[TornadoBar, ...] = ()
    swaps: Swaps | None = None
    uncertainty: AccuracyUncertainty | None = None
    smaa: SmaaResult | None = None
    total_cost: TotalCostPick | None = None  # the other ranking, beside the matrix's
    risks: tuple[Risk, ...] = ()
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class CostQuestions:
    """API or self-host, reserve or not (workbench.pricing.questions)."""

    # (API candidate, self-hosted candidate, the break-even volume per day)
    break_evens: tuple[tuple[str, str, BreakEven], ...] = ()
    # (self-hosted candidate, reserve 1 year, reserve 3 years)
    reserve: tuple[tuple[str, ReserveAnswer, ReserveAnswer], ...] = ()


@dataclass
class Evaluation:
    session: Session
    analysis: Analysis
    # The routing simulation of [routing]; None when the session has none, or when it
    # could not run (a moved log): then `routing_error` says why and the rest stands.
    routing: RoutingResult | None = None
    routing_error: InputError | None = None
    notes: list[Note] = field(default_factory=list)
    robustness: Robustness | None = None
    cost_questions: CostQuestions | None = None


def evaluate(
    session: Session,
    base_dir: Path | None = None,
    *,
    robust: bool = True,
    simulator: Callable[[Session, Path | None], RoutingResult] | None = None,
) -> Evaluation:
    """Analyse `session` and simulate its routing. `base_dir` is the folder relative
    paths in the session (the replay log) are read from: the session file's folder.
    `simulator` replaces `workbench.routing.simulate_session` (same contract): the TUI
    passes one that remembers results, so an edit that leaves the routing's inputs
    alone never replays the log again.

    Raises InputError for inputs the analysis cannot honour; a routing that cannot run
    is reported in `routing_error` instead, so one moved log never hides the decision.
    """
    routing: RoutingResult | None = None
    routing_error: InputError | None = None
    scenario = session.scenario
    if session.routing:
        if simulator is None:
            from workbench.routing import simulate_session

            simulator = simulate_session
        try:
            routing = simulator(session, base_dir)
        except InputError as exc:
            routing_error = exc
        else:
            scenario = with_routed_candidate(scenario, routing)
    analysis = analyze(scenario)
    return Evaluation(
        session, analysis, routing, routing_error,
        robustness=assess(analysis) if robust else None,
        cost_questions=cost_questions(analysis),
    )


def with_routed_candidate(scenario: Scenario, routing: RoutingResult) -> Scenario:
    """The scenario with the routed system as one more candidate: checked against the
    same constraints, on the same frontier, scored in the same matrix, so it can be the
    recommendation. Its figures are the chosen policy's (held-out when validated)."""
    import numpy as np
    import pandas as pd

    frame = scenario.candidates
    row = routing.as_candidate(frame)
    if row is None:
        return scenario
    name = str(row["name"])
    if (frame["name"].astype(str) == name).any():
        raise InputError(
            f"the routed system's name {name!r} is already a candidate's; give it another "
            "with [routing] name", key="routing.name")
    added = pd.DataFrame([{k: (np.nan if v is None else v) for k, v in row.items()}])
    for column in added.columns:
        if column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]):
            added[column] = pd.to_numeric(added[column], errors="coerce")
    merged = pd.concat([frame, added], ignore_index=True)
    for column in frame.columns:  # the table's own dtypes (concat would widen text columns)
        if frame[column].dtype == object:
            merged[column] = merged[column].astype(object)
    return scenario.with_(candidates=merged)


def assess(analysis: Analysis) -> Robustness:
    """Sensitivity, uncertainty, SMAA and the risk register of the analysis' pick."""
    from workbench import robustness as rb

    scenario = analysis.scenario
    u = scenario.uncertainty
    out = Robustness()
    n = len(analysis.table)
    matrix = scenario.scoring.rank_by == "matrix"
    if scenario.whatif.error_cost_usd is not None and analysis.monthly_volume is not None:
        out.total_cost = rb.rank_by_total_cost(analysis)
    out.uncertainty = rb.accuracy_uncertainty(analysis, u.eval_n, u.interval)
    if analysis.recommendation is None:
        return out
    if matrix:
        out.sensitivity = rb.weight_sensitivity(analysis)
        out.tornado = rb.tornado(out.sensitivity)
        if n <= SWAPS_MAX_CANDIDATES:
            out.swaps = rb.swaps(analysis)
        draws = int(u.smaa_draws)
        if draws and n <= SMAA_MAX_CANDIDATES:
            out.smaa = rb.smaa(analysis, rb.SmaaSettings(
                draws=draws, seed=int(u.seed), weights=u.weights, eval_n=u.eval_n,
                accuracy_model=u.accuracy_model, price_range_pct=u.price_range_pct,
                latency_range_pct=u.latency_range_pct))
        elif draws:
            out.notes.append(Note("smaa_skipped", (
                f"SMAA skipped: {n:,} candidates (it runs up to {SMAA_MAX_CANDIDATES:,}); "
                "the weight sensitivity is exact and complete")))
    else:
        out.notes.append(Note("sensitivity_matrix_only", (
            "weight sensitivity and SMAA describe the weighted matrix; the pick is ranked "
            "by total cost, so they are not shown")))
    out.risks = rb.risk_register(
        analysis, sensitivity=out.sensitivity if matrix else None, swaps=out.swaps,
        smaa=out.smaa, uncertainty=out.uncertainty, drift_pp_per_month=u.drift_pp_per_month,
    )
    return out


def cost_questions(analysis: Analysis) -> CostQuestions | None:
    """API or self-host break-evens and reserve-or-not answers, when candidates are
    priced on instances; None otherwise."""
    priced = analysis.pricing
    if priced is None or not priced.is_instance.any():
        return None
    import numpy as np

    from workbench.pricing.catalogue import find_instance
    from workbench.pricing.questions import api_vs_self_host_of, reserve_answers

    frame = analysis.scenario.candidates
    modes = np.asarray(priced.modes)
    instance_rows = np.flatnonzero(modes == "instance")
    api_rows = np.flatnonzero(modes != "instance")
    rank = {int(row): i for i, row in enumerate(analysis.table.index)}
    # The API side: the best-ranked candidate priced per request.
    api = min(api_rows, key=lambda r: rank[int(r)]) if api_rows.size else None
    from workbench.costs import optional_cost

    fixed = optional_cost(frame, "fixed_monthly_usd")
    breaks = []
    for row in sorted(instance_rows, key=lambda r: rank[int(r)])[:5]:
        if api is not None:
            breaks.append((priced.names[api], priced.names[row],
                           api_vs_self_host_of(priced, int(api), int(row), fixed)))
    reserve = []
    refs = frame["instance"].tolist() if "instance" in frame.columns else [None] * len(frame)
    for row in sorted(instance_rows, key=lambda r: rank[int(r)])[:5]:
        ref = refs[row]
        if not isinstance(ref, str) or not ref.strip():
            continue
        try:
            entry = find_instance(ref)
        except InputError:
            continue
        count = priced.instances[row]
        fleet = float(count) if count == count else 1.0
        one, three = reserve_answers(entry, fleet, priced.hours_per_month)
        reserve.append((priced.names[row], one, three))
    return CostQuestions(tuple(breaks), tuple(reserve))


def for_record(session: Session, analysis: Analysis) -> Session:
    """The session as a decision record should save it: the prices the analysis used
    (value, unit, source, date) and, when catalogue prices were used, the date they
    were taken on pinned, so the record reads and re-runs the same years later."""
    from dataclasses import replace
    from datetime import date

    priced = analysis.pricing
    if priced is None:
        return session.with_(prices_used=())
    used = tuple(p.to_dict() for p in priced.prices_used)
    pricing = session.scenario.pricing
    from_catalogue = any(p.date is not None for p in priced.prices_used)
    if from_catalogue and pricing.prices_as_of is None:
        pricing = replace(pricing, prices_as_of=date.today().isoformat())
    return session.with_(prices_used=used).with_scenario(pricing=pricing)
