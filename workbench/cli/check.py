"""`workbench check SESSION`: does the recorded decision still hold? (for CI gates)

Exit codes: 0 the decision holds, 1 it does not (each reason on its own line), 2 bad
input. A pipeline can gate a model promotion on it:

    workbench check sessions/retail.toml --expect-pick "MobileNet-SSD edge (on-device)" \
        --max-monthly-cost 15000 --table new_benchmarks.csv

It holds when: the analysis still recommends a candidate; the recommendation is the
expected pick (`--expect-pick`, else the session's recorded choice when there is one);
the pick's monthly cost is within `--max-monthly-cost` (else the session's budget); and
the pick meets every constraint. `--table` re-analyses the session's settings on a new
candidate table (for example this week's benchmark results).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_HOLDS = 0
EXIT_BROKEN = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="SESSION.toml", help="the decision record to check")
    parser.add_argument("--expect-pick", metavar="NAME",
                        help="the candidate that must still be recommended "
                             "(default: the session's recorded choice, if any)")
    parser.add_argument("--max-monthly-cost", metavar="USD",
                        help="the most the pick may cost a month (default: the session's budget)")
    parser.add_argument("--table", metavar="FILE",
                        help="re-analyse the session's settings on this candidate table")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from workbench.analysis import analyze
    from workbench.fields import field
    from workbench.fmt import clean
    from workbench.inputs import open_path
    from workbench.session import load_session
    from workbench.views.export import json_text

    session, _ = load_session(Path(args.path))
    if args.table:
        table, _ = open_path(args.table)
        session = session.with_scenario(candidates=table.scenario.candidates)
    limit = (field("constraints.monthly_budget_usd").parse(args.max_monthly_cost)
             if args.max_monthly_cost is not None
             else session.scenario.constraints.monthly_budget_usd)
    expected = args.expect_pick if args.expect_pick is not None else session.decision.chosen
    analysis = analyze(session.scenario)
    rec = analysis.recommendation
    reasons: list[str] = []
    pick_cost = None
    if rec is None:
        reasons.append(f"no recommendation: {analysis.no_recommendation_reason}")
    else:
        if expected is not None and rec.name != expected:
            reasons.append(f"the pick changed: {rec.name!r} is recommended, not {expected!r}")
        row = analysis.row(rec.name)
        pick_cost = float(row["monthly_cost_usd"])
        if limit is not None:
            if pick_cost != pick_cost:  # NaN: no volume to price a month at
                reasons.append("the monthly cost is unknown: the session has no volume per day")
            elif pick_cost > limit:
                from workbench.fmt import versus

                cost, cap = versus(pick_cost, limit, "USD")
                reasons.append(f"the budget broke: monthly cost {cost} > {cap}")
    if expected is not None and rec is not None and rec.name != expected:
        position = analysis.position(expected)
        if position is not None:
            broken = analysis.violations_at(position)
            if broken:
                reasons.append(f"{expected!r} now breaks: {'; '.join(broken)}")
        else:
            reasons.append(f"{expected!r} is not a candidate any more")
    holds = not reasons
    if args.format == "json":
        sys.stdout.write(json_text({
            "holds": holds,
            "pick": rec.name if rec else None,
            "expected_pick": expected,
            "pick_monthly_cost_usd": clean(pick_cost),
            "max_monthly_cost_usd": clean(limit),
            "reasons": reasons,
        }))
    else:
        from workbench.fmt import printable

        if holds:
            print(f"workbench check: the decision holds: {printable(rec.name if rec else '')}")
        for reason in reasons:
            print(f"workbench check: {printable(reason)}")
    return EXIT_HOLDS if holds else EXIT_BROKEN


__all__ = ["add_arguments", "run"]
