"""``workbench route``: argument registration and the command body.

The main CLI owns the parser; it calls ``add_arguments`` on its "route"
subparser and ``run`` with the parsed namespace.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the LOG positional and every ``route`` flag on ``parser``."""
    parser.add_argument(
        "log",
        metavar="LOG",
        nargs="?",
        help="replay log: CSV or Parquet file, or a folder of Parquet files "
        "(optional with --bins or --emit-sql)",
    )
    costs = parser.add_argument_group("costs and traffic")
    costs.add_argument("--cheap-cost-per-1k", type=float, metavar="USD", help="cheap model cost per 1,000 items")
    costs.add_argument(
        "--expensive-cost-per-1k", type=float, metavar="USD", help="expensive model cost per 1,000 items"
    )
    costs.add_argument("--cheap-latency-ms", type=float, metavar="MS", help="cheap model latency per item")
    costs.add_argument("--expensive-latency-ms", type=float, metavar="MS", help="expensive model latency per item")
    costs.add_argument("--volume-per-day", type=float, metavar="N", help="items per day, for monthly cost")
    costs.add_argument("--days-per-month", type=float, default=30.0, metavar="N", help="default: 30")
    policy = parser.add_argument_group("policy")
    policy.add_argument(
        "--policy",
        choices=("cascade", "exclusive"),
        default="cascade",
        help="cascade: cheap on all, escalated also on expensive (default); "
        "exclusive: escalated items run on the expensive model only",
    )
    policy.add_argument(
        "--target-accuracy", type=float, default=99.5, metavar="PCT", help="accuracy target in percent (default 99.5)"
    )
    policy.add_argument(
        "--decision-threshold",
        type=float,
        default=0.5,
        metavar="P",
        help="a score >= P predicts positive (default 0.5)",
    )
    policy.add_argument(
        "--escalate-when",
        action="append",
        default=[],
        metavar="COLUMN",
        help="always escalate items whose COLUMN is nonzero (repeatable), e.g. risk_flag",
    )
    policy.add_argument(
        "--escalate-above",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="always escalate items whose COLUMN > VALUE (repeatable), e.g. amount=1000",
    )
    policy.add_argument(
        "--loss-column",
        metavar="COLUMN",
        help="report the sum of COLUMN over missed positives (false negatives), e.g. amount",
    )
    scale = parser.add_argument_group("large logs")
    scale.add_argument(
        "--streaming",
        action="store_true",
        help="aggregate a Parquet log out of core with DuckDB into confidence bins "
        "(automatic for a folder or a Parquet file over 1 GiB)",
    )
    scale.add_argument("--bins", metavar="FILE", help="use a bins file (CSV/Parquet output of --emit-sql) instead of LOG")
    scale.add_argument(
        "--emit-sql",
        action="store_true",
        help="print the portable aggregation SQL (table replay_log) for a warehouse and exit",
    )
    scale.add_argument("--bin-count", type=int, default=10_000, metavar="N", help="confidence bins (default 10000)")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="default: text")
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench route``; returns the exit code (2 on bad input)."""
    from workbench.errors import InputError
    from workbench.routing import simulate
    from workbench.routing.spec import RoutingSpec, parse_escalate_above

    try:
        spec = RoutingSpec(
            log=args.log,
            bins=args.bins,
            policy=args.policy,
            cheap_cost_per_1k=args.cheap_cost_per_1k,
            expensive_cost_per_1k=args.expensive_cost_per_1k,
            cheap_latency_ms=args.cheap_latency_ms,
            expensive_latency_ms=args.expensive_latency_ms,
            volume_per_day=args.volume_per_day,
            days_per_month=args.days_per_month,
            target_accuracy=args.target_accuracy,
            decision_threshold=args.decision_threshold,
            escalate_when=tuple(args.escalate_when or ()),
            escalate_above=parse_escalate_above(args.escalate_above),
            loss_column=args.loss_column,
            streaming=bool(args.streaming),
            bin_count=args.bin_count,
        )
        spec.validate()
        if args.emit_sql:
            from workbench.routing.bins import aggregation_sql

            text = aggregation_sql(
                decision_threshold=spec.decision_threshold,
                escalate_when=spec.escalate_when,
                escalate_above=spec.escalate_above,
                loss_column=spec.loss_column,
                bin_count=spec.bin_count,
            )
        else:
            if spec.log and spec.bins:
                raise InputError("give either LOG or --bins, not both", key="bins")
            from workbench.routing.report import render

            text = render(simulate(spec), args.format)
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write output: {exc.strerror}", source=args.output) from exc
        else:
            sys.stdout.write(text)
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    return 0
