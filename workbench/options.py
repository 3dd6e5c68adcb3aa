"""The scenario flags shared by `workbench analyze`, `report` and the TUI's start-up.

Parsing `--weight accuracy=0.5:max:log10` and friends lives here, next to nothing
else, so the CLI and the TUI accept exactly the same spelling.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from workbench.analysis import default_direction
from workbench.errors import InputError
from workbench.parse import NumberError, parse_number
from workbench.model import NORMALIZATIONS, Constraints, Criterion, Scenario, Session


# Flags whose value is a percentage: "95%" is accepted there and means 95.
_PERCENT_FLAGS = ("--min-accuracy",)


def _parse_number(text: str, flag: str) -> float:
    """A flag's number in the one grammar of workbench.parse (500k, $15,000, 2.5M, 1e6)."""
    try:
        return parse_number(text, percent=flag in _PERCENT_FLAGS)
    except NumberError as exc:
        raise InputError(f"{flag}: {exc}") from None


def parse_assignment(text: str, flag: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"{flag}: expected COLUMN=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    if not key:
        raise InputError(f"{flag}: empty column name in {text!r}")
    return key, value.strip()


def parse_weight(text: str) -> Criterion:
    """`COL=W`, `COL=W:min`, `COL=W:max:log10` -> Criterion."""
    column, rest = parse_assignment(text, "--weight")
    parts = rest.split(":")
    weight = _parse_number(parts[0], f"--weight {column}")
    if weight < 0:
        raise InputError(f"--weight {column}: weight must be >= 0, got {parts[0]}")
    direction = parts[1].strip().lower() if len(parts) > 1 and parts[1].strip() else None
    scale = parts[2].strip().lower() if len(parts) > 2 and parts[2].strip() else "linear"
    if len(parts) > 3:
        raise InputError(f"--weight: expected COL=W[:max|min[:linear|log10]], got {text!r}")
    if direction is None:
        direction = default_direction(column)
    if direction not in ("max", "min"):
        raise InputError(f"--weight {column}: direction must be max or min, got {direction!r}")
    if scale not in ("linear", "log10"):
        raise InputError(f"--weight {column}: scale must be linear or log10, got {scale!r}")
    return Criterion(column, direction, weight, scale)  # type: ignore[arg-type]


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("workload and constraints")
    g.add_argument("--volume-per-day", type=str, metavar="N", help="inferences per day")
    g.add_argument("--days-per-month", type=str, metavar="N", help="default 30")
    g.add_argument("--horizon-months", type=str, metavar="N",
                   help="months to spread one-time costs over (default 12)")
    g.add_argument("--budget", type=str, metavar="USD", help="monthly budget in USD")
    g.add_argument("--max-latency-ms", type=str, metavar="MS")
    g.add_argument("--min-accuracy", type=str, metavar="PCT", help="percent, 0-100")
    g.add_argument("--max", action="append", default=[], metavar="COL=V",
                   help="upper limit on any numeric column (repeatable)")
    g.add_argument("--min", action="append", default=[], metavar="COL=V",
                   help="lower limit on any numeric column (repeatable)")
    s = parser.add_argument_group("scoring and what-if")
    s.add_argument("--weight", action="append", default=[], metavar="COL=W[:DIR[:SCALE]]",
                   help="criterion weight, e.g. accuracy=0.5 or cost=0.3:min or "
                        "params_m=0.1:min:log10 (repeatable; replaces the defaults)")
    s.add_argument("--normalization", choices=NORMALIZATIONS)
    s.add_argument("--baseline", metavar="NAME", help="baseline for the accuracy delta")
    s.add_argument("--error-cost", type=str, metavar="USD", help="cost of one error in USD")
    s.add_argument("--volume-multipliers", type=str, metavar="LIST",
                   help="comma-separated, default 0.1,0.25,0.5,1,2,4,10")
    s.add_argument("--map", action="append", default=[], metavar='COL="Header"',
                   help="say which header holds a column (repeatable)")


def mapping_from(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in getattr(args, "map", []) or []:
        key, value = parse_assignment(item, "--map")
        out[key] = value.strip('"').strip("'")
    return out


def apply_overrides(session: Session, args: argparse.Namespace) -> Session:
    """Flags win over what a session file says; unset flags leave it alone."""
    sc: Scenario = session.scenario
    w = sc.workload
    if args.volume_per_day is not None:
        w = replace(w, volume_per_day=_parse_number(args.volume_per_day, "--volume-per-day"))
    if args.days_per_month is not None:
        w = replace(w, days_per_month=_parse_number(args.days_per_month, "--days-per-month"))
    if args.horizon_months is not None:
        w = replace(w, horizon_months=_parse_number(args.horizon_months, "--horizon-months"))
    c: Constraints = sc.constraints
    if args.budget is not None:
        c = replace(c, monthly_budget_usd=_parse_number(args.budget, "--budget"))
    if args.max_latency_ms is not None:
        c = replace(c, max_latency_ms=_parse_number(args.max_latency_ms, "--max-latency-ms"))
    if args.min_accuracy is not None:
        c = replace(c, min_accuracy=_parse_number(args.min_accuracy, "--min-accuracy"))
    if args.max:
        extra = dict(c.max)
        for item in args.max:
            k, v = parse_assignment(item, "--max")
            extra[k] = _parse_number(v, f"--max {k}")
        c = replace(c, max=extra)
    if args.min:
        extra = dict(c.min)
        for item in args.min:
            k, v = parse_assignment(item, "--min")
            extra[k] = _parse_number(v, f"--min {k}")
        c = replace(c, min=extra)
    scoring = sc.scoring
    if args.weight:
        scoring = replace(scoring, criteria=tuple(parse_weight(x) for x in args.weight))
    if args.normalization is not None:
        scoring = replace(scoring, normalization=args.normalization)
    whatif = sc.whatif
    if args.baseline is not None:
        whatif = replace(whatif, baseline=args.baseline)
    if args.error_cost is not None:
        whatif = replace(whatif, error_cost_usd=_parse_number(args.error_cost, "--error-cost"))
    if args.volume_multipliers is not None:
        mults = tuple(
            _parse_number(x, "--volume-multipliers")
            for x in args.volume_multipliers.split(",")
            if x.strip()
        )
        whatif = replace(whatif, volume_multipliers=mults)
    return session.with_(
        scenario=replace(sc, workload=w, constraints=c, scoring=scoring, whatif=whatif)
    )
