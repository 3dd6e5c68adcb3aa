"""The one-page brief: the decision for the people who approve it, in at most 60 lines.

The full memo (`workbench.views.memo`) is the decision record: every table, every
formula. This page is what an approver reads: the recommendation and why in three
sentences, the key figures of the top candidates, what would change the decision
(from `evaluation.robustness`: the nearest critical weights, the smallest swaps, where
the volume sweep changes the pick), the main risks and the recorded decision.

A view: every figure comes from the evaluation and is only chosen and worded here.
Deterministic (no clock), so golden files pin it. User text (title, names, rationale)
goes through `export.md_escape`: no name can break a table or inject HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import __version__
from workbench.analysis import Analysis, as_float, as_int
from workbench.evaluation import Evaluation, Robustness
from workbench.fmt import num, pct, usd
from workbench.views.export import md_escape, md_table

if TYPE_CHECKING:
    from workbench.robustness.sensitivity import Swap

Escape = Callable[[Any], str]

MAX_LINES = 60
TOP_ROWS = 5  # key figures: the top candidates by rank (plus the recorded choice)
MAX_WEIGHTS = 2
MAX_SWAPS = 3
MAX_VOLUME_CHANGES = 2
MAX_RISKS = 5


def render_brief(evaluation: Evaluation, session_path: Path | str | None = None) -> str:
    """The brief of an evaluated session as GitHub markdown (at most MAX_LINES lines)."""
    session = evaluation.session
    a = evaluation.analysis
    robust = evaluation.robustness
    if robust is None:
        from workbench.evaluation import assess

        robust = assess(a)
    command = f"workbench report {_file_name(session_path) or 'SESSION.toml'}"
    out = [f"# {md_escape(session.title)}", "", _byline(evaluation, session_path), "",
           "## Recommendation", "", " ".join(summary_sentences(evaluation, robust)), "",
           "## Key figures", "", _figures_table(evaluation), "",
           "## What would change the decision", "",
           *[f"- {line}" for line in change_lines(a, robust)], "",
           "## Main risks", "", *_risks(a, robust), "",
           "## Decision", "", *_decision(evaluation), "",
           f"The full memo (every table, the formulas, the sources): {command}."]
    # Every part above is capped (rows, bullets, risks) and user text is one line
    # (md_escape), so the brief stays within MAX_LINES; tests/unit/test_outputs_brief.py
    # checks it on every example and on hostile inputs.
    return "\n".join(out) + "\n"


def _file_name(session_path: Path | str | None) -> str | None:
    return md_escape(Path(session_path).name) if session_path is not None else None


def _byline(evaluation: Evaluation, session_path: Path | str | None) -> str:
    s = evaluation.session
    text = f"Decision brief by workbench {__version__}"
    name = _file_name(session_path)
    if name:
        text += f" from {name}"
    if s.modified:
        text += f"; session last modified {md_escape(s.modified)}"
    return text + "."


# -------------------------------------------------------------------- the sentences


def cost_text(a: Analysis, i: int) -> str:
    """The cost of the candidate at rank position i, in the analysis' cost unit."""
    value = a.table[a.cost_column].iat[i]
    if a.cost_column == "monthly_cost_usd":
        return f"{usd(value)}/month"
    return f"{usd(value, 4)} per 1k inferences"


def figures_text(a: Analysis, i: int) -> str:
    t = a.table
    return (f"{cost_text(a, i)}, {pct(t['accuracy'].iat[i])} accuracy, "
            f"{num(t['latency_ms'].iat[i])} ms")


def summary_sentences(evaluation: Evaluation, robust: Robustness | None = None) -> list[str]:
    """What, why, how sure: three markdown sentences (the HTML report opens with them)."""
    a = evaluation.analysis
    robust = robust if robust is not None else evaluation.robustness
    rec = a.recommendation
    if rec is None:
        feasible = int(a.table["feasible"].sum())
        return [f"**No candidate qualifies.** {md_escape(a.no_recommendation_reason)}.",
                f"{num(feasible)} of {num(len(a.table))} candidates meet every constraint.",
                "Relax a limit or add candidates; the key figures show how far each one is."]
    pick = a.position(rec.name)
    assert pick is not None
    w = a.scenario.workload
    at = f" at {num(w.volume_per_day)} inferences/day" if w.volume_per_day is not None else ""
    first = f"**Recommend {md_escape(rec.name)}**: {figures_text(a, pick)}{at}."
    return [first, why_sentence(a, pick), how_sure_sentence(a, robust)]


def why_sentence(a: Analysis, pick: int, esc: Escape = md_escape) -> str:
    """Why the pick beats the runner-up, in one sentence; `esc` makes user text safe
    for the medium (markdown here, plain text on a slide)."""
    rec = a.recommendation
    assert rec is not None
    if a.scenario.scoring.rank_by != "matrix":
        return f"It has the lowest total cost (compute plus errors): {esc(rec.reason)}."
    runner = a.position(rec.runner_up) if rec.runner_up is not None else None
    if runner is None:
        return "It is the only candidate."
    t = a.table
    name = esc(rec.runner_up)
    if not bool(t["feasible"].iat[runner]):
        broken = "; ".join(a.violations_at(runner))
        return (f"It is the only one of {num(len(t))} candidates that meets every constraint: "
                f"the next best on score, {name}, breaks {esc(broken)}.")
    ahead = []
    for c in a.criteria:
        mine = as_float(a.contributions[c.column].iat[pick])
        theirs = as_float(a.contributions[c.column].iat[runner])
        if round(mine, 3) > round(theirs, 3):  # compare what a reader can check
            ahead.append(esc(c.given_as))
    lead = f", ahead on {_join(ahead)}" if ahead else ""
    return (f"It has the highest weighted score of the candidates that meet every constraint, "
            f"{t['score'].iat[pick]:.3f} against {t['score'].iat[runner]:.3f} for the runner-up, "
            f"{name} ({figures_text(a, runner)}){lead}.")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def how_sure_sentence(a: Analysis, robust: Robustness | None, esc: Escape = md_escape) -> str:
    """The nearest single changes that overturn the pick, and the SMAA odds."""
    parts = []
    if robust is not None and robust.swaps is not None:
        own = [s for s in robust.swaps.swaps
               if s.moved == robust.swaps.pick and s.at is not None and s.parameter in
               ("cost", "accuracy")]
        parts = [swap_words(s, esc, own_name=False) for s in own]
    smaa = robust.smaa if robust is not None else None
    odds = ""
    if smaa is not None and smaa.p_pick_first is not None:
        odds = (f"it ranks first in {smaa.p_pick_first:.0%} of {num(smaa.draws)} draws of "
                f"{', '.join(smaa.varied)} (SMAA)")
    if parts:
        text = "It stays the pick unless " + " or ".join(parts)
        return text + (f"; {odds}." if odds else ".")
    if odds:
        return odds[0].upper() + odds[1:] + "."
    if robust is not None and robust.swaps is not None:
        return ("No rise in its cost or fall in its accuracy within the searched range "
                "overturns it.")
    return "Robustness was not assessed."


def swap_words(s: Swap, esc: Escape = md_escape, own_name: bool = True) -> str:
    """"its cost rises 21%" / "ResNet-50's accuracy falls 2.19 points"."""
    parameter, unit, moved = s.parameter, s.unit, s.moved
    change = float(s.change or 0.0)
    whose = f"{esc(moved)}'s" if own_name and moved is not None else "its"
    subject = "the volume" if parameter == "volume" else f"{whose} {parameter}"
    verb = "rises" if change > 0 else "falls"
    size = abs(change)
    if unit == "%":
        amount = f"{num(round(size))}%" if size >= 10 else f"{size:.2f}%"
    elif unit == "pp":
        amount = f"{size:.2f} points"
    else:
        amount = f"{num(size)} {unit}"
    if size < 0.005:  # the pick sits on a limit: any move at all overturns it
        return f"{subject} {verb} at all"
    return f"{subject} {verb} {amount}"


# ----------------------------------------------------------------------- key figures


def _figures_table(evaluation: Evaluation) -> str:
    a = evaluation.analysis
    t = a.table
    rows_at = list(range(min(TOP_ROWS, len(t))))
    chosen = evaluation.session.decision.chosen
    if chosen:
        pos = a.position(chosen)
        if pos is not None and pos not in rows_at:
            rows_at.append(pos)
    monthly = a.cost_column == "monthly_cost_usd"
    header = ["Rank", "Candidate", "Monthly cost" if monthly else "Cost / 1k", "Accuracy",
              "Latency", "Score", "Meets the limits"]
    rows = []
    for i in rows_at:
        cost = t[a.cost_column].iat[i]
        broken = a.violations_at(i)
        rows.append([
            as_int(t["rank"].iat[i]), t["name"].iat[i], usd(cost) if monthly else usd(cost, 4),
            pct(t["accuracy"].iat[i]), f"{num(t['latency_ms'].iat[i])} ms",
            f"{t['score'].iat[i]:.3f}", "yes" if not broken else "no: " + "; ".join(broken),
        ])
    more = ""
    if len(t) > len(rows_at):
        more = f"\n\nTop {len(rows_at)} of {num(len(t))} candidates by rank."
    return md_table(header, rows, "rlrrrrl") + more


# ----------------------------------------------------------- what would change it


def change_lines(a: Analysis, robust: Robustness, esc: Escape = md_escape) -> list[str]:
    """What would change the decision, one item each (no bullet marks): the nearest
    critical weights, the smallest swaps, a disagreeing total-cost ranking and where
    the volume sweep changes the pick."""
    if a.recommendation is None:
        return ["Nothing to change: no candidate qualifies."]
    out: list[str] = []
    # (distance, criterion, its share, the change, the share at which the pick changes,
    # the new pick): the nearest weight changes first.
    near: list[tuple[float, str, float, float, float, str]] = []
    for w in robust.sensitivity:
        for c in (w.down, w.up):
            if c.weight_at is not None and c.change is not None and c.new_pick:
                near.append((abs(c.change), w.criterion, w.weight, c.change, c.weight_at,
                             c.new_pick))
    near.sort(key=lambda x: x[0])
    for _, criterion, weight, change, weight_at, new_pick in near[:MAX_WEIGHTS]:
        out.append(f"Weights: {esc(criterion)}'s share from {weight:.2f} "
                   f"{'up' if change > 0 else 'down'} to {weight_at:.2f} makes "
                   f"{esc(new_pick)} the pick.")
    if robust.sensitivity and not near:
        out.append("Weights: no change of one criterion's weight changes the pick.")
    if robust.swaps is not None:
        found = [s for s in robust.swaps.swaps if s.at is not None and s.change is not None]
        found.sort(key=_closeness)
        for s in found[:MAX_SWAPS]:
            out.append(f"If {swap_words(s, esc)}: {esc(s.why or 'the pick changes')}.")
    total = robust.total_cost
    if total is not None and not total.agrees and total.name is not None:
        out.append(f"Pricing errors: ranked by total cost (compute plus errors) the pick "
                   f"would be {esc(total.name)}.")
    sweep = a.volume_sweep
    if sweep is not None:
        import numpy as np

        order = np.argsort(sweep.volumes_per_day, kind="stable").tolist()
        changes = []
        for prev, cur in pairwise(order):
            if sweep.recommendations[prev] != sweep.recommendations[cur]:
                changes.append(
                    f"Volume: between {num(sweep.volumes_per_day[prev])} and "
                    f"{num(sweep.volumes_per_day[cur])}/day the pick changes from "
                    f"{esc(sweep.recommendations[prev] or 'none feasible')} to "
                    f"{esc(sweep.recommendations[cur] or 'none feasible')}.")
        out += changes[:MAX_VOLUME_CHANGES]
        if len(changes) > MAX_VOLUME_CHANGES:
            out.append(f"Volume: {len(changes) - MAX_VOLUME_CHANGES} more changes in the "
                       "sweep (see the memo).")
        if not changes and order:
            out.append(f"Volume: the pick is the same from {num(sweep.volumes_per_day[order[0]])}"
                       f" to {num(sweep.volumes_per_day[order[-1]])}/day.")
    return out or ["Nothing within the searched ranges changes the pick."]


def _closeness(s: Swap) -> float:
    """How small a swap's move is, in units of the risk register's "close call": a
    10% cost or volume change, 1 accuracy point, a 10% latency change."""
    from workbench.robustness import risks as r_

    change = abs(float(s.change or 0.0))
    unit = s.unit
    if unit == "pp":
        return change / r_.CLOSE_ACCURACY_PP
    if unit == "ms":
        current = abs(float(s.current)) or 1.0
        return change / current * 100.0 / r_.CLOSE_COST_PCT
    return change / r_.CLOSE_COST_PCT


# ----------------------------------------------------------------------------- risks


def _risks(a: Analysis, robust: Robustness) -> list[str]:
    if a.recommendation is None:
        return ["- No pick, so no risk of a pick to assess."]
    if not robust.risks:
        return ["- None of the checked risks applies (see the memo for what is checked)."]
    out = [f"- **{md_escape(r.title)}:** {md_escape(r.figure)}. "
           f"{md_escape(r.mitigation[:1].upper() + r.mitigation[1:])}."
           for r in robust.risks[:MAX_RISKS]]
    if len(robust.risks) > MAX_RISKS:
        out.append(f"- {len(robust.risks) - MAX_RISKS} more in the memo.")
    return out


# -------------------------------------------------------------------------- decision


def _decision(evaluation: Evaluation) -> list[str]:
    d = evaluation.session.decision
    a = evaluation.analysis
    if d.is_empty():
        return ["No decision recorded yet."]
    who = f" by {md_escape(d.decided_by)}" if d.decided_by else ""
    when = f" on {md_escape(d.decided_on)}" if d.decided_on else ""
    chosen = md_escape(d.chosen) if d.chosen else "nothing"
    line = f"**Chosen: {chosen}**{who}{when}."
    rec = a.recommendation
    if d.chosen:
        pos = a.position(d.chosen)
        if pos is None:
            line += " It is not among the candidates of this analysis."
        elif rec is not None and d.chosen == rec.name:
            line += " It is the recommendation."
        else:
            recommended = f" ({md_escape(rec.name)})" if rec else ""
            line += (f" It differs from the recommendation{recommended}"
                     f": {figures_text(a, pos)}, rank {as_int(a.table['rank'].iat[pos])}.")
            broken = a.violations_at(pos)
            if broken:
                line += f" It breaks {md_escape('; '.join(broken))}."
    out = [line]
    if d.rationale:
        out += ["", "> " + md_escape(d.rationale)]
    return out
