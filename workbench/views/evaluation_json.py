"""The evaluation beyond the analysis table, as JSON-ready values (README: "The JSON
document"): how candidates were priced and the ledger, the answers to the cost
questions, the robustness of the pick and the routing result.

A view: it formats what the engine computed (`workbench.evaluation.Evaluation`) and
computes nothing. Every number goes through `fmt.clean` (12 significant digits, NaN and
infinity as null).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.fmt import clean

if TYPE_CHECKING:
    from workbench.analysis import Analysis
    from workbench.evaluation import CostQuestions, Robustness


def _nums(values: Any) -> list[Any]:
    return [clean(v) for v in np.asarray(values, dtype=float).tolist()]


def ranking_dict(a: Analysis) -> dict[str, Any]:
    """How the pick was chosen, and the weighted matrix's pick beside it."""
    return {"rank_by": a.scenario.scoring.rank_by, "matrix_pick": a.matrix_pick}


def pricing_dict(a: Analysis) -> dict[str, Any] | None:
    """Pricing settings, the prices used, and the cost-of-ownership ledger; None when
    every candidate had a cost_per_1k and there is no ledger."""
    if a.pricing is None and a.ledger is None:
        return None
    from workbench.fields import inputs_dict
    from workbench.model import Session

    out: dict[str, Any] = {
        "settings": inputs_dict(Session(a.scenario), ["pricing"], clean)["pricing"],
        "peak_to_average": clean(a.scenario.workload.peak_to_average),
    }
    if a.pricing is not None:
        out["prices_used"] = [{k: clean(v) for k, v in p.to_dict().items()}
                              for p in a.pricing.prices_used]
    if a.ledger is not None:
        ledger = a.ledger
        out["ledger"] = {
            "horizon_months": clean(ledger.horizon_months),
            "cost_basis": a.scenario.tco.cost_basis,
            "names": list(ledger.names),
            "lines": [{"name": line.name, "kind": line.kind, "formula": line.formula,
                       "monthly_usd": _nums(line.monthly_usd),
                       "horizon_usd": _nums(line.horizon_usd)} for line in ledger.lines],
            "total_monthly_usd": _nums(ledger.total_monthly_usd),
            "total_horizon_usd": _nums(ledger.total_horizon_usd),
        }
    return out


def cost_questions_dict(q: CostQuestions | None) -> dict[str, Any] | None:
    if q is None:
        return None
    return {
        "api_vs_self_host": [
            {"api": api, "self_hosted": hosted, "break_even_volume_per_day":
             clean(be.volume_per_day), "instances_above": clean(be.instances),
             "explanation": be.explanation}
            for api, hosted, be in q.break_evens
        ],
        "reserve": [
            {"candidate": name, "plan": r.plan,
             "on_demand_usd_per_hour": clean(r.on_demand_usd_per_hour),
             "reserved_usd_per_hour": clean(r.reserved_usd_per_hour),
             "break_even_utilization": clean(r.break_even_utilization),
             "instances": clean(r.instances), "saving_monthly_usd": clean(r.saving_monthly_usd)}
            for name, one, three in q.reserve for r in (one, three)
        ],
    }


def robustness_dict(r: Robustness | None) -> dict[str, Any] | None:
    """Critical weights, swaps, accuracy intervals, SMAA, the other ranking, risks."""
    if r is None:
        return None

    def change(c: Any) -> dict[str, Any]:
        return {"weight_at": clean(c.weight_at), "change": clean(c.change),
                "raw_weight_at": clean(c.raw_weight_at), "new_pick": c.new_pick}

    out: dict[str, Any] = {
        "critical_weights": [
            {"criterion": s.criterion, "column": s.column, "weight": clean(s.weight),
             "down": change(s.down), "up": change(s.up)} for s in r.sensitivity
        ],
        "swaps": None if r.swaps is None else {
            "pick": r.swaps.pick, "runner_up": r.swaps.runner_up,
            "changes": [{"parameter": w.parameter, "moved": w.moved, "direction": w.direction,
                         "unit": w.unit, "current": clean(w.current), "at": clean(w.at),
                         "change": clean(w.change), "event": w.event, "why": w.why}
                        for w in r.swaps.swaps],
        },
        "accuracy_intervals": None,
        "smaa": None,
        "total_cost_ranking": None,
        "risks": [{"code": k.code, "title": k.title, "figure": k.figure,
                   "value": clean(k.value), "detail": k.detail, "mitigation": k.mitigation}
                  for k in r.risks],
        "notes": list(r.notes),
    }
    u = r.uncertainty
    if u is not None:
        out["accuracy_intervals"] = {
            "method": u.method, "alpha": clean(u.alpha),
            "candidates": [{"name": n, "eval_n": clean(size), "low": clean(lo), "high": clean(hi)}
                           for n, size, lo, hi in zip(u.names, u.eval_n.tolist(),
                                                      u.low.tolist(), u.high.tolist())],
            "pairs": [{"a": p.a, "b": p.b, "diff_pp": clean(p.diff_pp), "z": clean(p.z),
                       "p_value": clean(p.p_value), "indistinguishable": p.indistinguishable,
                       "n_needed": clean(p.n_needed)} for p in u.pairs],
        }
    s = r.smaa
    if s is not None:
        out["smaa"] = {
            "draws": s.draws, "seed": s.seed, "varied": list(s.varied), "pick": s.pick,
            "p_pick_first": clean(s.p_pick_first), "p_no_pick": clean(s.p_no_pick),
            "criteria": list(s.criteria),
            "candidates": [
                {"name": n, "rank_acceptability": _nums(s.acceptability[i]),
                 "p_feasible": clean(s.p_feasible[i]),
                 "central_weights": _nums(s.central_weights[i])}
                for i, n in enumerate(s.names)
            ],
        }
    t = r.total_cost
    if t is not None:
        out["total_cost_ranking"] = {"pick": t.name, "reason": t.reason,
                                     "runner_up": t.runner_up, "matrix_pick": t.matrix_pick,
                                     "agrees": t.agrees, "disagreement": t.disagreement}
    return out
