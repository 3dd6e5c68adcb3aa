"""The decision memo: a session and its analysis as one GitHub-flavoured markdown file.

A view, like every export: the figures come from `analyze` (and the few the engine has
no use for from `workbench.tco`), and this module only chooses words around them.
The memo is deterministic (no clock: the session's own timestamps are quoted), so a
memo can be diffed, reviewed and pinned by golden files. Anything that came from a
user (title, names, notes, rationale) is escaped with `export.md_escape`, and charts
go in code fences longer than any backtick run inside them, so no model name can
break a table, open a code span or inject HTML.
"""

from __future__ import annotations

import inspect
import itertools
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from workbench import __version__, costs, frontier, scoring, tco, whatif
from workbench.analysis import Analysis, as_float, as_int
from workbench.errors import InputError, note_code
from workbench.evaluation import Evaluation, Robustness, assess, evaluate
from workbench.fmt import num, pct, usd
from workbench.loading import file_sha256
from workbench.model import Session
from workbench.views import charts
from workbench.views.export import (
    candidates_md,
    delta_md,
    matrix_md,
    md_escape,
    md_table,
    more_md,
    normalized_md,
    sweep_md,
    weights_md,
)

# Section titles in memo order; "Routing" appears only when the session has a spec.
SECTIONS: tuple[str, ...] = (
    "Recommendation",
    "Business constraints",
    "Candidates",
    "Cost-accuracy frontier",
    "Decision matrix",
    "What-if: volume",
    "What-if: accuracy delta",
    "Total cost of ownership over the horizon",
    "Cost model",
    "Routing",
    "Sensitivity and uncertainty",
    "Risks",
    "Operating the decision",
    "Decision",
    "Notes",
    "Assumptions and method",
)
# Table rows per section: the memo is for people; the CSV export has every row.
MEMO_ROWS = 25
SWEEP_COLUMNS = 5
FRONTIER_NAMES = 20
# Risk thresholds, stated in the Risks section so a reader can check them.
NEAR_LIMIT_PCT = 10.0  # pick within 10% of the budget or the latency limit
CLOSE_SCORE_SHARE = 0.02  # runner-up within 2% of the pick's score
THIN_ACCURACY_PP = 1.0  # accuracy less than 1 point above the minimum


def render_memo(
    session: Session,
    notes: list[str] | None = None,
    session_path: Path | None = None,
    analysis: Analysis | None = None,
    evaluation: Evaluation | None = None,
) -> str:
    """The memo of `session` as markdown; `notes` are the loader's notes.

    Pass `evaluation` (`evaluate(session)`) when it is already computed, so the memo
    formats the same figures the caller shows; `analysis` alone is accepted for
    callers that have no routing to show."""
    if evaluation is None:
        if analysis is not None and not session.routing:
            evaluation = Evaluation(session, analysis)
        else:
            base = Path(session_path).parent if session_path is not None else None
            evaluation = evaluate(session, base)
    a = evaluation.analysis
    out = [f"# {md_escape(session.title)}", "", _byline(session, session_path)]
    builders: list[tuple[str, Callable[[], str]]] = [
        ("Recommendation", lambda: _recommendation(a)),
        ("Business constraints", lambda: _constraints(a)),
        ("Candidates", lambda: candidates_md(a, MEMO_ROWS)),
        ("Cost-accuracy frontier", lambda: _frontier(a)),
        ("Decision matrix", lambda: _matrix(a)),
        ("What-if: volume", lambda: _volume(a)),
        ("What-if: accuracy delta", lambda: _delta(a)),
        ("Total cost of ownership over the horizon", lambda: _tco(a)),
    ]
    if a.pricing is not None:
        builders.append(("Cost model", lambda: _cost_model(evaluation, session)))
    if isinstance(session.routing, dict) and session.routing:
        builders.append(("Routing", lambda: _routing(evaluation)))
    robust = evaluation.robustness if evaluation.robustness is not None else assess(a)
    builders += [
        ("Sensitivity and uncertainty", lambda: _sensitivity(a, robust)),
        ("Risks", lambda: _risks(a, robust)),
        ("Operating the decision", lambda: _operating(evaluation)),
        ("Decision", lambda: _decision(session, a)),
        ("Notes", lambda: _notes(session, notes, a)),
        ("Assumptions and method", lambda: _method(session, session_path, a)),
    ]
    for title, build in builders:
        out += ["", f"## {title}", "", build().rstrip("\n")]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- helpers


def fence(text: str, info: str = "text") -> str:
    """`text` in a code fence that nothing inside can close (CommonMark: a fence ends
    only at a run of backticks at least as long as the opening one)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip(chr(10))}\n{ticks}"


def _quote(text: str) -> str:
    """Multi-line user text as a block quote, each line escaped on its own."""
    lines = text.strip("\n").split("\n")
    return "\n".join(f"> {md_escape(line)}".rstrip() for line in lines)


def _cost(a: Analysis, row_value: float) -> str:
    if a.cost_column == "monthly_cost_usd":
        return f"{usd(row_value)}/month"
    return f"{usd(row_value, 4)} per 1k inferences"


def _figures(a: Analysis, i: int) -> str:
    """'$1,500/month, 90.00% accuracy, 20 ms latency' for the row at rank position i."""
    t = a.table
    return (
        f"{_cost(a, as_float(t[a.cost_column].iat[i]))}, {pct(t['accuracy'].iat[i])} accuracy, "
        f"{num(t['latency_ms'].iat[i])} ms latency"
    )


def _names(names: list[str], limit: int) -> str:
    shown = ", ".join(md_escape(n) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {num(len(names) - limit)} more"
    return shown


def _byline(session: Session, session_path: Path | None) -> str:
    parts = [f"Decision memo written by workbench {__version__}"]
    if session_path is not None:
        # The name only: a full path differs per machine and would break goldens.
        parts[0] += f" from {md_escape(Path(session_path).name)}"
    if session.created:
        parts.append(f"session created {md_escape(session.created)}")
    if session.modified:
        parts.append(f"last modified {md_escape(session.modified)}")
    return "; ".join(parts) + "."


# -------------------------------------------------------------------- recommendation


def _recommendation(a: Analysis) -> str:
    rec = a.recommendation
    if rec is None:
        return f"**No candidate qualifies.** {md_escape(a.no_recommendation_reason)}."
    pick = a.position(rec.name)
    assert pick is not None
    w = a.scenario.workload
    at = f" at {num(w.volume_per_day)} inferences/day" if w.volume_per_day is not None else ""
    lines = [f"**Recommendation: {md_escape(rec.name)}**{at}: {_figures(a, pick)}."]
    runner = a.position(rec.runner_up) if rec.runner_up is not None else None
    if runner is None:
        lines += ["", "It is the only candidate."]
        return "\n".join(lines)
    t = a.table
    pick_score = t["score"].iat[pick]
    runner_score = t["score"].iat[runner]
    runner_name = md_escape(rec.runner_up)
    if not bool(t["feasible"].iat[runner]):
        broken = "; ".join(a.violations_at(runner))
        lines += [
            "",
            (f"It is the only candidate that meets every constraint. The runner-up, "
             f"{runner_name} ({_figures(a, runner)}; score {runner_score:.3f} against "
             f"{pick_score:.3f}), breaks {md_escape(broken)}."),
        ]
        return "\n".join(lines)
    ahead, behind = [], []
    for c in a.criteria:
        mine = as_float(a.contributions[c.column].iat[pick])
        theirs = as_float(a.contributions[c.column].iat[runner])
        text = f"{md_escape(c.given_as)} {mine:.3f} vs {theirs:.3f}"
        # Compare what is printed, so "0.300 vs 0.300" is never called a lead.
        if round(mine, 3) > round(theirs, 3):
            ahead.append(text)
        elif round(mine, 3) < round(theirs, 3):
            behind.append(text)
    why = []
    if ahead:
        why.append("ahead on " + ", ".join(ahead))
    if behind:
        why.append("behind on " + ", ".join(behind))
    gap = f" by {rec.score_gap:.3f}" if rec.score_gap is not None else ""
    lines += [
        "",
        f"It beats the runner-up, {runner_name} ({_figures(a, runner)}), on weighted "
        f"score{gap} ({pick_score:.3f} vs {runner_score:.3f})"
        + (": " + "; ".join(why) + " (weighted contributions)" if why else "")
        + ".",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------- constraints


def _constraints(a: Analysis) -> str:
    w = a.scenario.workload
    c = a.scenario.constraints
    lines = []
    if w.volume_per_day is not None:
        lines.append(
            f"- Volume: {num(w.volume_per_day)} inferences/day x {num(w.days_per_month)} "
            f"days = {num(w.monthly_volume)} a month."
        )
    else:
        lines.append("- Volume: not given, so costs are compared per 1k inferences.")
    lines.append(f"- Horizon: {num(w.horizon_months)} months (one-time costs spread over it).")
    lines.append("")
    if c.is_empty():
        lines.append("No hard limits: every candidate is feasible.")
        return "\n".join(lines)
    rows = []
    for check in a.checks:
        breaking = np.flatnonzero(check.violated)
        limit = {
            "monthly_budget_usd": f"{usd(check.limit)}/month",
            "max_latency_ms": f"{num(check.limit)} ms",
            "min_accuracy": pct(check.limit),
        }.get(check.name, num(check.limit))
        op = {"<=": "≤", ">=": "≥"}.get(check.op, check.op)
        rows.append([
            check.name, f"{check.column} {op} {limit}",
            f"{num(breaking.size)}: {_plain_names(a, breaking, 5)}" if breaking.size else "none",
        ])
    if rows:
        lines.append(md_table(["Constraint", "Feasible when", "Candidates breaking it"], rows,
                              "lll"))
    unchecked = [n for n in a.notes if note_code(n) in ("budget_unchecked", "limit_unchecked")]
    for note in unchecked:
        lines += ["", f"Not checked: {md_escape(note)}."]
    return "\n".join(lines)


def _plain_names(a: Analysis, positions: np.ndarray, limit: int) -> str:
    # Escaped by md_table later; here only joined and shortened.
    shown = ", ".join(str(n) for n in a.table["name"].iloc[positions[:limit]].tolist())
    more = positions.size - limit
    return shown + (f" and {num(more)} more" if more > 0 else "")


# ------------------------------------------------------------------------- frontier


def _frontier(a: Analysis) -> str:
    lines = [
        ("The frontier holds the candidates no other candidate beats on both cost and "
         f"accuracy. Cheapest first: {_names(a.frontier, FRONTIER_NAMES)}."),
        "",
        fence(charts.frontier_chart(a)),
        "",
        ("Cost per accuracy point (cost per 1k inferences / accuracy %): lower buys each "
         "point of accuracy more cheaply."),
        "",
        fence(charts.cost_per_point_bars(a)),
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- matrix


_NORMALIZATION_WORDS = {
    "minmax": "min-max: the best candidate scores 1 and the worst 0 on each criterion",
    "ratio": "ratio: value / best value (best / value for a minimum)",
    "vector": "vector: value / the criteria column's Euclidean norm",
}


def _matrix(a: Analysis) -> str:
    method = a.scenario.scoring.normalization
    return "\n".join([
        (f"Normalization: {_NORMALIZATION_WORDS.get(method, md_escape(method))}. "
         "Score = sum of weight x normalized value; feasible candidates rank first."),
        "",
        weights_md(a),
        "",
        "Normalized values (1 = best):",
        "",
        normalized_md(a, MEMO_ROWS),
        "",
        "Contributions (weight x normalized value), score and rank:",
        "",
        matrix_md(a, MEMO_ROWS),
    ])


# ------------------------------------------------------------------------ what-ifs


def _volume(a: Analysis) -> str:
    s = a.volume_sweep
    if s is None:
        return "Not computed: the session has no volume."
    order = np.argsort(s.volumes_per_day, kind="stable").tolist()
    changes = []
    for prev, cur in itertools.pairwise(order):
        if s.recommendations[prev] != s.recommendations[cur]:
            changes.append(
                f"- Between {num(s.volumes_per_day[prev])}/day (x{s.multipliers[prev]:g}) and "
                f"{num(s.volumes_per_day[cur])}/day (x{s.multipliers[cur]:g}): "
                f"{md_escape(s.recommendations[prev] or 'none feasible')} → "
                f"{md_escape(s.recommendations[cur] or 'none feasible')}."
            )
    if changes:
        summary = ["Where the recommendation changes:", "", *changes]
    else:
        only = s.recommendations[order[0]] if order else None
        summary = [
            (f"The recommendation is {md_escape(only or 'none feasible')} at every volume from "
             f"{num(s.volumes_per_day[order[0]])} to {num(s.volumes_per_day[order[-1]])}/day.")
        ]
    lines = [
        ("Monthly cost at each volume for the top candidates by rank (✗ = breaks a "
         "constraint at that volume):"),
        "",
        sweep_md(a, SWEEP_COLUMNS),
        "",
        *summary,
    ]
    chart = charts.volume_chart(a)
    if chart:
        lines += ["", fence(chart)]
    return "\n".join(lines)


def _delta(a: Analysis) -> str:
    d = a.accuracy_delta
    if d is None:
        return "Not computed."
    lines = [delta_md(a, MEMO_ROWS)]
    if a.scenario.workload.volume_per_day is None:
        lines += ["", ("Errors and costs per month need a volume; only the accuracy "
                       "differences are shown.")]
    if d.value_of_one_point_usd is not None:
        lines += [
            "",
            (f"At {usd(d.error_cost_usd, 4)} per error, one point of accuracy is worth "
             f"{usd(d.value_of_one_point_usd)}/month at this volume."),
        ]
    return "\n".join(lines)


def _tco(a: Analysis) -> str:
    w = a.scenario.workload
    if w.volume_per_day is None:
        return "Not computed: inference cost over the horizon needs a volume."
    if a.ledger is not None:
        return _ledger(a)
    h = tco.horizon_cost_of(a.table, w.horizon_months)
    months = num(w.horizon_months)
    t = a.table
    shown = min(MEMO_ROWS, len(t))
    rows = [
        [as_int(t["rank"].iat[i]), t["name"].iat[i], usd(h.inference_usd[i]), usd(h.fixed_usd[i]),
         usd(h.one_time_usd[i]), usd(h.total_usd[i])]
        for i in range(shown)
    ]
    return "\n".join([
        (f"At {num(w.volume_per_day)} inferences/day for {months} months: {months} x monthly "
         f"inference + {months} x fixed monthly + one-time."),
        "",
        md_table(["Rank", "Candidate", f"Inference, {months} months",
                  f"Fixed, {months} months", "One-time", "Total"], rows, "rlrrrr")
        + more_md(a, MEMO_ROWS),
    ])


def _ledger(a: Analysis) -> str:
    """The cost-of-ownership ledger, line by line over the horizon, and each line's
    formula (workbench.pricing.ledger)."""
    from workbench.pricing import ledger as ledger_module

    ledger = a.ledger
    assert ledger is not None
    w = a.scenario.workload
    months = num(w.horizon_months)
    rows_at = a.table.index.to_numpy()  # table (frame) positions in rank order
    shown = min(MEMO_ROWS, len(a.table))
    lines = [line for line in ledger.lines if (line.horizon_usd != 0).any()]
    header = ["Rank", "Candidate", *[f"{line.name}" for line in lines],
              f"Total, {months} months", "Per month"]
    rows = []
    for i in range(shown):
        r = int(rows_at[i])
        rows.append([as_int(a.table["rank"].iat[i]), a.table["name"].iat[i],
                     *[usd(line.horizon_usd[r]) for line in lines],
                     usd(ledger.total_horizon_usd[r]), usd(ledger.total_monthly_usd[r])])
    basis = ("the cost criterion reads this total per month (cost basis: tco)"
             if a.scenario.tco.cost_basis == "tco" else
             "the cost criterion reads the monthly cost (cost basis: monthly)")
    formulas = [f"- {md_escape(line.name)}: {md_escape(line.formula)}" for line in lines]
    return "\n".join([
        f"At {num(w.volume_per_day)} inferences/day over {months} months, line by line "
        f"({basis}; {num(a.scenario.tco.retrainings_per_year)} retrainings a year):",
        "",
        md_table(header, rows, "rl" + "r" * (len(lines) + 2)) + more_md(a, MEMO_ROWS),
        "",
        *formulas,
        "",
        fence(_doc(ledger_module)),
    ])


# ------------------------------------------------------------------------- routing


def _routing(evaluation: Evaluation) -> str:
    if evaluation.routing is None:
        # A moved log file must not cost the reader the rest of the memo.
        return f"Routing not simulated: {md_escape(evaluation.routing_error)}."
    from workbench.routing.report import routing_markdown

    result = evaluation.routing
    return routing_markdown(result) + "\n\n" + fence(charts.routing_curve_chart(result))


# --------------------------------------------------------------------------- risks


def _risks(a: Analysis, robust: Robustness) -> str:
    """The risk register (workbench.robustness.risks): each risk with its figure and a
    mitigation, only those that apply."""
    from workbench.robustness import risks as r_

    intro = (
        f"Checked: a close call (a weight change under {r_.CLOSE_WEIGHT:g} of share, a swap "
        f"within {r_.CLOSE_COST_PCT:g}% of cost or {r_.CLOSE_ACCURACY_PP:g} point of "
        f"accuracy, or under {r_.CLOSE_SMAA:.0%} probability of staying first); the pick "
        "being the least accurate feasible candidate; a single feasible candidate; budget "
        f"or latency headroom under {r_.HEADROOM:.0%}; an eval set too small to separate the "
        "top candidates; vendor lock-in; accuracy drift below the minimum; and price exposure "
        f"(a price rise under {r_.PRICE_EXPOSURE:.0%} that breaks the budget)."
    )
    if a.recommendation is None:
        return (intro + "\n\n" if intro else "") + (
            "- No recommendation, so there is no pick to assess: see Recommendation.")
    if not robust.risks:
        return (intro + "\n\n" if intro else "") + "None of these applies."
    rows = [[r.title, r.figure, r.mitigation] for r in robust.risks]
    body = md_table(["Risk", "Figure", "Mitigation"], rows, "lll")
    details = "\n".join(f"- **{md_escape(r.title)}:** {md_escape(r.detail)}" for r in robust.risks)
    return (intro + "\n\n" if intro else "") + body + "\n\n" + details


def _sensitivity(a: Analysis, robust: Robustness) -> str:
    """What would change the pick (exact weight thresholds, pick/runner-up swaps), how
    sure the accuracies are, and the rank acceptability over uncertain inputs."""
    out: list[str] = []
    rec = a.recommendation
    if rec is None:
        return "No recommendation, so nothing to be sensitive about."
    if robust.total_cost is not None and not robust.total_cost.agrees:
        tc = robust.total_cost
        out.append(
            f"**Two rankings disagree.** Weighted matrix: {md_escape(tc.matrix_pick)}; lowest "
            f"total cost (compute + errors): {md_escape(tc.name)}. {md_escape(tc.disagreement)}."
        )
        out.append("")
    if robust.sensitivity:
        rows = []
        for s in robust.sensitivity:
            def change(c: object, word: str) -> str:
                if c.weight_at is None:  # type: ignore[attr-defined]
                    return "never"
                return (f"{c.weight_at:.3f} ({c.change:+.3f}): "  # type: ignore[attr-defined]
                        f"{md_escape(c.new_pick)}")  # type: ignore[attr-defined]
            rows.append([s.criterion, f"{s.weight:.3f}", change(s.down, "down"),
                         change(s.up, "up")])
        out += [
            "Critical weights (exact, for the weighted sum): the share of each criterion at "
            "which the pick changes, moving it down or up with the other weights rescaled "
            "in proportion, and the new pick.",
            "",
            md_table(["Criterion", "Share now", "Down to", "Up to"], rows, "lrll"),
            "",
            fence(charts.tornado_chart(robust.tornado)),
            "",
        ]
    if robust.swaps is not None:
        rows = []
        for w in robust.swaps.swaps:
            who = "everyone" if w.moved is None else md_escape(w.moved)
            if w.at is None:
                at = f"never (searched to {_swap_value(w.parameter, w.searched[1])})"
            else:
                unit = "%" if w.unit == "%" else f" {w.unit}"
                at = f"{w.change:+.4g}{unit} (to {_swap_value(w.parameter, w.at)})"
            rows.append([w.parameter, who, w.direction, at, md_escape(w.why or "")])
        out += [
            f"What swaps {md_escape(robust.swaps.pick)} and the runner-up "
            f"{md_escape(robust.swaps.runner_up)}: one input moved at a time.",
            "",
            md_table(["Input", "Of", "Direction", "Change at which the pick loses", "Why"],
                     rows, "lllll"),
            "",
        ]
    unc = robust.uncertainty
    if unc is not None:
        accuracy = a.table["accuracy"].to_numpy(dtype=float)
        rows = [[unc.names[i], pct(accuracy[i]), f"{pct(unc.low[i])}..{pct(unc.high[i])}",
                 num(unc.eval_n[i], 0)] for i in range(min(MEMO_ROWS, len(unc.names)))]
        out += [f"Accuracy with its 95% {md_escape(unc.method)} interval from the eval-set "
                "size:", "", md_table(["Candidate", "Accuracy", "95% interval", "Eval items"],
                                      rows, "lrrr"), ""]
        for pair in unc.pairs:
            verdict = ("indistinguishable" if pair.indistinguishable else "different")
            need = (f"; about {num(pair.n_needed, 0)} items each would separate them"
                    if pair.indistinguishable and pair.n_needed else "")
            out.append(
                f"- {md_escape(pair.a)} vs {md_escape(pair.b)}: {pair.diff_pp:+.2f} points, "
                f"z = {pair.z:.2f}, p = {pair.p_value:.3f}: {verdict} at the "
                f"{1 - unc.alpha:.0%} level{need}.")
        if unc.pairs:
            out.append("")
    else:
        out += ["Accuracy is taken as exact: give the eval-set size (`--eval-n`, "
                "`uncertainty.eval_n` or an `eval_n` column) for intervals.", ""]
    sm = robust.smaa
    if sm is not None:
        ranks = min(3, sm.acceptability.shape[1])
        order = np.argsort(-sm.acceptability[:, 0])[:10]
        rows = [[md_escape(sm.names[i])] + [f"{sm.acceptability[i, r]:.1%}" for r in range(ranks)]
                + [f"{sm.p_feasible[i]:.1%}"] for i in order]
        p_first = sm.p_pick_first
        out += [
            f"SMAA-2 over {num(sm.draws)} draws (seed {sm.seed}) of "
            f"{', '.join(sm.varied)}: the probability that {md_escape(rec.name)} stays first "
            f"is {p_first:.1%} (± {sm.standard_error(p_first or 0):.1%})."
            if p_first is not None else f"SMAA-2 over {num(sm.draws)} draws.",
            "",
            md_table(["Candidate", *[f"Rank {r + 1}" for r in range(ranks)], "Feasible"],
                     rows, "l" + "r" * (ranks + 1)),
        ]
    for note in robust.notes:
        out += ["", f"Note: {md_escape(note)}."]
    return "\n".join(out).strip("\n") or "Nothing to report."


def _swap_value(parameter: str, value: float) -> str:
    """A swap's input value in its unit: $0.0500 per 1k, 92.50%, 200 ms, 5,000,000/day."""
    if parameter == "cost":
        return f"{usd(value, 4)} per 1k"
    if parameter == "accuracy":
        return pct(value)
    if parameter == "latency":
        return f"{num(value)} ms"
    return f"{num(value)}/day"


def _cost_model(evaluation: Evaluation, session: Session) -> str:
    """How candidates priced per token or on instances were priced, the prices used,
    instance counts and capacity, and the API-or-self-host and reserve-or-not answers."""
    from workbench.pricing import instances as inst_module
    from workbench.pricing import resolve as resolve_module
    from workbench.pricing import tokens as tokens_module

    a = evaluation.analysis
    priced = a.pricing
    assert priced is not None
    t = a.table
    shown = min(MEMO_ROWS, len(t))
    has_instances = "instances" in t.columns
    header = ["Candidate", "Priced", "Cost / 1k"] + (["Instances"] if has_instances else [])
    rows = []
    for i in range(shown):
        row = [t["name"].iat[i], str(t["priced_as"].iat[i]).replace("_", " "),
               usd(t["cost_per_1k"].iat[i], 4)]
        if has_instances:
            v = as_float(t["instances"].iat[i])
            row.append("" if math.isnan(v) else num(v, 0))
        rows.append(row)
    out = [md_table(header, rows, "llr" + ("r" if has_instances else "")) + more_md(a, MEMO_ROWS)]
    p = a.scenario.pricing
    out += ["", (f"Settings: target utilization {p.utilization:.0%}, peak/average "
                 f"{num(a.scenario.workload.peak_to_average)}, minimum {num(p.min_instances, 0)} "
                 f"instance(s), {num(p.hours_per_month)} hours a month, plan "
                 f"{md_escape(p.plan)}" + (f", prices as of {md_escape(p.prices_as_of)}"
                                          if p.prices_as_of else "") + ".")]
    used = priced.prices_used
    if used:
        rows = [[u.candidate, u.item, f"{u.value:.6g}", u.unit, u.source, u.date or ""]
                for u in used[:40]]
        out += ["", "Prices used (recorded in the session when it is saved):", "",
                md_table(["Candidate", "Price", "Value", "Unit", "Source", "Date"], rows,
                         "llrlll")]
    sweep = a.volume_sweep
    if sweep is not None and sweep.instances is not None:
        cols = min(len(sweep.multipliers), SWEEP_COLUMNS + 2)
        rows = []
        for i in range(shown):
            if t["priced_as"].iat[i] != "instance":
                continue
            rows.append([t["name"].iat[i]] + [num(sweep.instances[i, j], 0)
                                              for j in range(cols)])
        out += ["", "Capacity: instances needed at each volume of the sweep.", "",
                md_table(["Candidate"] + [f"{num(v)}/day" for v in sweep.volumes_per_day[:cols]],
                         rows, "l" + "r" * cols)]
    questions = evaluation.cost_questions
    if questions is not None:
        out.append("")
        for api, hosted, be in questions.break_evens:
            if be.volume_per_day is None:
                text = (f"self-hosting {md_escape(hosted)} never becomes cheaper than "
                        f"{md_escape(api)}: the API costs less per request than a fully "
                        "used instance")
            else:
                fleet = f", {num(be.instances, 0)} instance(s)" if be.instances else ""
                text = (f"self-hosting {md_escape(hosted)} is cheaper than {md_escape(api)} "
                        f"above {num(be.volume_per_day)} requests/day{fleet} "
                        f"({md_escape(be.explanation)})")
            out.append(f"- **API or self-host:** {text}.")
        for name, one, three in questions.reserve:
            for r in (one, three):
                verdict = "saves" if r.saving_monthly_usd > 0 else "costs"
                out.append(
                    f"- **{md_escape(r.label)} for {md_escape(name)}:** pays off above "
                    f"{r.break_even_utilization:.0%} utilization of the hours; at the "
                    f"workload ({num(r.instances, 0)} instance(s) running all month) it "
                    f"{verdict} {usd(abs(r.saving_monthly_usd))}/month.")
    out += ["", "Formulas:", ""]
    for title, module in (("Pricing modes", resolve_module), ("Per token", tokens_module),
                          ("Instances", inst_module)):
        out += [f"{title} ({module.__name__.replace('.', '/')}.py):", "", fence(_doc(module)), ""]
    return "\n".join(out).rstrip("\n")


# ------------------------------------------------------------ operating the decision


def _operating(evaluation: Evaluation) -> str:
    """The alert thresholds that follow from the decision, the daily monitoring query
    and the promotion/demotion criteria (workbench.audit.thresholds: the ones
    `workbench audit` judges production against)."""
    from workbench.audit.logs import aggregation_sql
    from workbench.audit.thresholds import decision_baseline

    b = decision_baseline(evaluation)
    if b.deployed is None:
        return ("Nothing to operate: the analysis recommends no candidate and the record "
                "chooses none.")
    lines = [
        (f"Deployed: {md_escape(b.deployed)} ({md_escape(b.deployed_from)}). Production is "
         "judged against these thresholds by `workbench audit LOGS --session "
         "THIS_SESSION.toml`, which also explains cost changes and re-runs this analysis at "
         "production's figures."),
        "",
    ]
    rows: list[list[str]] = []
    if b.break_volume_per_day is not None:
        at = (f"{usd(b.cost_per_1k, 4)} per 1k" if b.cost_per_1k is not None else "its cost")
        rows.append(["Volume per day", f"above {num(b.break_volume_per_day)}/day",
                     f"the budget ({usd(b.budget_usd)}/month) breaks there at {at}"])
    else:
        rows.append(["Volume per day", "none", "no budget, or no volume, to break"])
    rows.append(["p95 latency", f"above {num(b.max_p95_latency_ms)} ms"
                 if b.max_p95_latency_ms is not None else "none",
                 "" if b.max_p95_latency_ms is not None else "no latency limit"])
    if b.accuracy_interval is not None and b.accuracy is not None:
        measured = (f"measured {pct(b.accuracy)} on {num(b.eval_n)} items, 95% interval "
                    f"{pct(b.accuracy_interval[0])} to {pct(b.accuracy_interval[1])}")
    elif b.accuracy is not None:
        measured = f"measured {pct(b.accuracy)} (eval-set size not recorded: no interval)"
    else:
        measured = "no accuracy recorded"
    rows.append(["Accuracy", f"below {pct(b.min_accuracy)}" if b.min_accuracy is not None
                 else "none", measured])
    if b.escalation_plan_share is not None:
        budget = (f"; the budget breaks above {b.escalation_budget_share:.1%}"
                  if b.escalation_budget_share is not None else
                  "; the budget holds at any share" if b.budget_usd is not None else "")
        rows.append(["Escalation share", f"above {b.escalation_plan_share:.1%}",
                     f"the routing plan's share: its cost is exceeded above it{budget}"])
    drift = b.criterion("cost_per_1k")
    if drift is not None:
        rows.append(["Cost per 1k", f"above {usd(drift.limit, 4)}",
                     f"{md_escape(drift.source)} over the decision's {usd(b.cost_per_1k, 4)}"])
    lines += [md_table(["Alert", "Threshold", "Why"], rows, "lll"), ""]
    lines.append("Promotion and demotion criteria (each passes or fails in the audit):")
    lines.append("")
    for c in b.criteria:
        lead = "Demote when" if c.kind == "demote" else "Promote the re-analysis' pick when"
        lines.append(f"- **{lead}** {md_escape(c.rule)} (from {md_escape(c.source)}).")
    if b.criterion("promotion") is None:
        lines.append("- **Promote:** no rule; " + md_escape(
            "set [monitoring] promote_min_saving_pct for the audit to name a replacement "
            "when one is cheaper at production's figures."))
    lines += [
        "",
        ("The daily monitoring query: per day, model and latency bin, the sums every figure "
         "above is computed from (DuckDB SQL over a table `production_log`; `workbench audit "
         "--emit-sql --dialect spark|bigquery|snowflake` renders it for a warehouse):"),
        "",
        fence(aggregation_sql(dialect="duckdb").rstrip("\n"), "sql"),
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------ decision


def _decision(session: Session, a: Analysis) -> str:
    d = session.decision
    if d.is_empty():
        return "No decision recorded yet."
    lines = [f"- **Chosen:** {md_escape(d.chosen) if d.chosen else 'not recorded'}"]
    if d.decided_by:
        lines.append(f"- **Decided by:** {md_escape(d.decided_by)}")
    if d.decided_on:
        lines.append(f"- **Decided on:** {md_escape(d.decided_on)}")
    rec = a.recommendation
    if d.chosen:
        pos = a.position(d.chosen)
        if pos is None:
            lines += ["", f"{md_escape(d.chosen)} is not among the candidates of this analysis."]
        else:
            if rec is None:
                lines += ["", ("The analysis recommends no candidate; the recorded choice "
                               "stands on its rationale alone.")]
            elif d.chosen != rec.name:
                lines += ["", (f"The recorded choice differs from the recommendation, "
                               f"{md_escape(rec.name)}. The choice: {_figures(a, pos)}, rank "
                               f"{as_int(a.table['rank'].iat[pos])}, score "
                               f"{a.table['score'].iat[pos]:.3f}.")]
            else:
                lines += ["", "The recorded choice is the recommendation."]
            broken = a.violations_at(pos)
            if broken:
                lines += ["", f"The recorded choice breaks: {md_escape('; '.join(broken))}."]
    if d.rationale:
        lines += ["", "Rationale:", "", _quote(d.rationale)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- notes


def _notes(session: Session, notes: list[str] | None, a: Analysis) -> str:
    parts: list[str] = []
    if session.notes.strip():
        parts += ["Session notes:", "", _quote(session.notes), ""]
    more = [*(notes or []), *a.notes]
    if more:
        parts += [f"- {md_escape(n)}" for n in more]
    return "\n".join(parts).rstrip("\n") or "None."


# -------------------------------------------------------------------------- method


def _doc(module: object) -> str:
    return inspect.cleandoc(getattr(module, "__doc__", "") or "")


def _method(session: Session, session_path: Path | None, a: Analysis) -> str:
    w = a.scenario.workload
    cost_words = (
        "monthly cost (`monthly_cost_usd`)" if a.cost_column == "monthly_cost_usd"
        else "cost per 1k inferences (`cost_per_1k`), since there is no volume"
    )
    lines = [
        f"- Days per month: {num(w.days_per_month)}; horizon: {num(w.horizon_months)} months; "
        + (f"volume: {num(w.volume_per_day)}/day." if w.volume_per_day is not None
           else "volume: not given."),
        f"- Cost on the frontier, in the charts and for the cost criterion: {cost_words}.",
        f"- Normalization: {md_escape(a.scenario.scoring.normalization)}.",
        ("- A candidate is feasible when it meets every limit; a missing value breaks the "
         "limit on it."),
        ("- Every figure comes from one analysis of the embedded candidate table; the memo "
         "adds only the horizon totals and the risk headroom, by the formulas below."),
        "",
    ]
    for title, module in (
        ("Costs", costs), ("Scoring", scoring), ("Frontier", frontier), ("What-if", whatif),
        ("Horizon totals and headroom", tco),
    ):
        source = module.__name__.replace(".", "/") + ".py"
        lines += [f"{title} ({source}):", "", fence(_doc(module)), ""]
    provenance = [f"- workbench version: {__version__}."]
    if session_path is not None:
        path = Path(session_path)
        digest = _sha256(path)
        # `workbench report` also accepts a table file; say which kind was hashed.
        kind = "Session file" if path.suffix.lower() == ".toml" else "Input file"
        provenance.append(
            f"- {kind} {md_escape(path.name)} sha256: "
            + (digest if digest else "not available (file not readable).")
        )
    src = session.source
    if src.path or src.sha256:
        from workbench.provenance import check_source

        check = check_source(session)
        provenance.append(
            f"- Candidate table: {md_escape(_source_label(src.path, session_path))}"
            + (f", sha256 {md_escape(src.sha256)}" if src.sha256 else "") + "."
            + (f" **The table differs from this file:** {md_escape(check.note)}."
               if check.table_differs and check.note else "")
        )
    return "\n".join(lines + provenance)


def _source_label(path: str | None, session_path: Path | None) -> str:
    """The table's path as the session file writes it (relative to the file's folder),
    never a machine's absolute path: the memo must read the same everywhere."""
    if not path:
        return "embedded in the session"
    if session_path is not None:
        if os.path.abspath(path) == os.path.abspath(session_path):
            return "the input file above"
        try:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(Path(session_path).parent))
        except ValueError:  # another drive on Windows
            return Path(path).name
        return Path(rel).as_posix() + " (relative to the session file)"
    return Path(path).name if os.path.isabs(path) else Path(path).as_posix()


def _sha256(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except (OSError, InputError):
        return None
