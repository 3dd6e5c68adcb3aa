"""``workbench route``: argument registration and the command body.

The main CLI owns the parser; it calls ``add_arguments`` on its "route"
subparser and ``run`` with the parsed namespace.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.routing.spec import (
    AS_CANDIDATE,
    DEFAULT_GRID,
    LOG_FORMATS,
    OBJECTIVES,
    SQL_DIALECTS,
    VALIDATIONS,
)


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
    costs.add_argument("--cheap-cost-per-1k", type=float, metavar="USD",
                       help="cheap model cost per 1,000 items")
    costs.add_argument("--expensive-cost-per-1k", type=float, metavar="USD",
                       help="expensive model cost per 1,000 items")
    costs.add_argument("--cheap-latency-ms", type=float, metavar="MS",
                       help="cheap model latency per item")
    costs.add_argument("--expensive-latency-ms", type=float, metavar="MS",
                       help="expensive model latency per item")
    costs.add_argument("--volume-per-day", type=float, metavar="N",
                       help="items per day, for monthly cost")
    costs.add_argument("--days-per-month", type=float, metavar="N", help="default: 30")
    costs.add_argument(
        "--cost-per-1k",
        action="append",
        default=[],
        metavar="MODEL=USD",
        help="a model's cost per 1,000 items (repeatable), e.g. fraud-lite=0.02",
    )
    costs.add_argument(
        "--latency-ms", action="append", default=[], metavar="MODEL=MS",
        help="a model's latency per item (repeatable)",
    )
    tiers = parser.add_argument_group("models and log format")
    tiers.add_argument(
        "--models",
        metavar="A,B[,C,D]",
        help="the cascade's models in order (2 to 4): column suffixes of the log "
        "(score_<model>, or correct_<model> and confidence_<model>) or session candidate "
        "names; default: the log's",
    )
    tiers.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="binary: label and score_<model> (or cheap_score/expensive_score); quality: "
        "correct_<model> (0/1 or graded 0-1) and confidence_<model>; auto (default) tells them "
        "apart by the headers",
    )
    tiers.add_argument(
        "--grid", type=int, metavar="N",
        help="3 or 4 models: thresholds per model, quantiles of its confidence "
        f"(default {DEFAULT_GRID})",
    )
    policy = parser.add_argument_group("policy")
    policy.add_argument(
        "--policy",
        choices=("cascade", "exclusive"),
        help="cascade: cheap on all, escalated also on expensive (default); "
        "exclusive: escalated items run on the expensive model only",
    )
    policy.add_argument("--target-accuracy", type=float, metavar="PCT",
                        help="accuracy target in percent (default 99.5)")
    policy.add_argument(
        "--objective",
        choices=OBJECTIVES,
        help="accuracy: cheapest meeting --target-accuracy (default); recall: cheapest meeting "
        "--target-recall (binary logs); total_cost: lowest compute + missed-loss + false-alarm "
        "cost",
    )
    policy.add_argument("--target-recall", type=float, metavar="PCT",
                        help="recall target in percent")
    policy.add_argument(
        "--fn-cost-usd", type=float, metavar="USD",
        help="cost of each missed positive (a wrong answer, for quality logs), for total cost",
    )
    policy.add_argument("--fp-cost-usd", type=float, metavar="USD",
                        help="cost of each false alarm, for total cost")
    policy.add_argument(
        "--decision-threshold",
        type=float,
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
    honest = parser.add_argument_group("validation and guarantees")
    honest.add_argument(
        "--validation",
        choices=VALIDATIONS,
        help="split (default): choose on calibration rows, report test rows too; kfold: pooled "
        "out-of-fold figures; none: everything in sample",
    )
    honest.add_argument("--calibration-fraction", type=float, metavar="F",
                        help="share of rows that calibrate (default 0.5)")
    honest.add_argument("--folds", type=int, metavar="K",
                        help="folds for --validation kfold (default 5)")
    honest.add_argument("--seed", type=int, metavar="N",
                        help="seed of the split and folds (default 0)")
    honest.add_argument(
        "--delta", type=float, metavar="D",
        help="risk level of the safe policy's guarantee: it holds with probability >= 1 - D "
        "(default 0.05)",
    )
    honest.add_argument(
        "--drift", metavar="NEW_LOG",
        help="this month's log (same layout): compare confidences, escalation and the target "
        "with LOG's",
    )
    honest.add_argument(
        "--as-candidate", choices=AS_CANDIDATE,
        help="which policy becomes the routed system's candidate row (default recommended)",
    )
    scale = parser.add_argument_group("large logs")
    scale.add_argument(
        "--streaming",
        action="store_true",
        help="aggregate a Parquet log out of core with DuckDB into confidence bins "
        "(automatic for a folder or a Parquet file over 1 GiB)",
    )
    scale.add_argument("--bins", metavar="FILE",
                       help="use a bins file (CSV/Parquet output of --emit-sql) instead of LOG")
    scale.add_argument(
        "--emit-sql",
        action="store_true",
        help="print the aggregation SQL (table replay_log) for a warehouse and exit",
    )
    scale.add_argument(
        "--dialect",
        choices=SQL_DIALECTS,
        help=f"with --emit-sql: the SQL dialect to write it in (default {SQL_DIALECTS[0]})",
    )
    scale.add_argument("--bin-count", type=int, metavar="N", help="confidence bins (default 10000)")
    ses = parser.add_argument_group("session")
    ses.add_argument(
        "--session",
        metavar="SESSION.toml",
        help="start from the session's [routing] settings and volume; model names refer to its "
        "candidates",
    )
    ses.add_argument("--cheap-model", metavar="NAME",
                     help="a candidate of --session: supplies cost and latency")
    ses.add_argument("--expensive-model", metavar="NAME",
                     help="a candidate of --session: supplies cost and latency")
    ses.add_argument("--save", action="store_true",
                     help="store these routing settings in --session under [routing]")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                     help="default: text")
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench route``; returns the exit code (2 on bad input)."""
    from workbench.errors import InputError
    from workbench.routing import resolve_for_session, simulate

    try:
        stored, session, session_path = _spec_from(args)
        spec = resolve_for_session(stored, session) if session is not None else stored
        spec.validate()
        if args.dialect is not None and not args.emit_sql:
            raise InputError("--dialect only applies to --emit-sql")
        _guard_outputs(args, spec, session, session_path)
        if args.emit_sql:
            from workbench.routing.bins import aggregation_sql

            if spec.models or spec.log_format == "quality":
                from workbench.routing.bins_cascade import cascade_sql

                text = cascade_sql(spec, dialect=args.dialect or SQL_DIALECTS[0])
            else:
                text = aggregation_sql(
                    decision_threshold=spec.decision_threshold,
                    escalate_when=spec.escalate_when,
                    escalate_above=spec.escalate_above,
                    loss_column=spec.loss_column,
                    bin_count=spec.bin_count,
                    dialect=args.dialect or SQL_DIALECTS[0],
                )
        else:
            if spec.log and spec.bins:
                raise InputError("give either LOG or --bins, not both", key="bins")
            from workbench.routing.report import render

            base_dir = session_path.parent if session_path is not None else None
            text = render(simulate(spec, base_dir), args.format)
            if args.save:
                _save_routing(stored, session, session_path)
        from workbench.cli import write_output

        write_output(text, args.output)
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    return 0


# Flags that map one-to-one onto RoutingSpec fields (None = not given on the command line).
_FLAG_FIELDS = (
    "policy", "cheap_cost_per_1k", "expensive_cost_per_1k", "cheap_latency_ms",
    "expensive_latency_ms", "volume_per_day", "days_per_month", "target_accuracy",
    "decision_threshold", "loss_column", "bin_count", "cheap_model", "expensive_model",
    "log_format", "grid", "objective", "target_recall", "fn_cost_usd", "fp_cost_usd", "validation",
    "calibration_fraction", "folds", "seed", "delta", "as_candidate",
)


def _spec_from(args: argparse.Namespace):
    """The spec for this run: the session's [routing] (if any), then the flags on top."""
    from dataclasses import replace

    from workbench.errors import InputError
    from workbench.routing.spec import RoutingSpec, parse_escalate_above, parse_model_values

    session = None
    session_path: Path | None = None
    spec = RoutingSpec()
    if args.session:
        from workbench.session import load_session

        session_path = Path(args.session)
        session, _ = load_session(session_path)
        if session.routing:
            spec = RoutingSpec.from_dict(dict(session.routing))
    elif args.cheap_model or args.expensive_model or args.save:
        raise InputError("--cheap-model, --expensive-model and --save need --session SESSION.toml")
    changes = {f: getattr(args, f) for f in _FLAG_FIELDS if getattr(args, f, None) is not None}
    # Paths typed on the command line are relative to the working directory; a
    # session's own paths are relative to its folder. Absolute paths avoid the mix-up.
    # abspath, not resolve(): a symlink loop must reach the reader, which names it.
    if args.log:
        changes["log"], changes["bins"] = os.path.abspath(args.log), None
    if args.bins:
        changes["bins"], changes["log"] = os.path.abspath(args.bins), None
    if args.streaming:
        changes["streaming"] = True
    if args.escalate_when:
        changes["escalate_when"] = tuple(args.escalate_when)
    if args.escalate_above:
        changes["escalate_above"] = parse_escalate_above(args.escalate_above)
    if args.models:
        models = tuple(m.strip() for m in args.models.split(","))
        if any(not m for m in models):
            raise InputError(f"--models expects names separated by commas, got {args.models!r}",
                             key="models")
        changes["models"] = models
    if args.cost_per_1k:
        changes["costs_per_1k"] = {**spec.costs_per_1k, **parse_model_values(
            args.cost_per_1k, "--cost-per-1k", "costs_per_1k")}
    if args.latency_ms:
        changes["latencies_ms"] = {**spec.latencies_ms, **parse_model_values(
            args.latency_ms, "--latency-ms", "latencies_ms")}
    if args.drift:
        changes["drift_log"] = os.path.abspath(args.drift)
    return replace(spec, **changes), session, session_path


def _guard_outputs(args, spec, session, session_path: Path | None) -> None:
    """-o never overwrites the log, the bins file, the session or its source table;
    --save writes the session itself, never one of the others."""
    from workbench.cli import guard_outputs
    from workbench.inputs import session_inputs

    base = session_path.parent if session_path is not None else Path(".")
    read: list[tuple[str, str | None]] = [
        ("the replay log", os.path.join(base, spec.log) if spec.log else None),
        ("the bins file", os.path.join(base, spec.bins) if spec.bins else None),
        ("the drift log", os.path.join(base, spec.drift_log) if spec.drift_log else None),
    ]
    if session is not None:
        read += session_inputs(session, session_path)
    guard_outputs(read, [("--save", str(session_path) if args.save else None)])
    guard_outputs([*read, ("the session", str(session_path) if session_path else None)],
                  [("-o", args.output)])


def _save_routing(spec, session, session_path: Path) -> None:
    from dataclasses import replace

    from workbench.session import path_for_file, save_session

    # Store what the user chose, not what the names resolved to, so a price change in
    # the table flows through; explicit numbers stay explicit. Log paths follow the
    # same rule as the [source] path: relative to the session's folder when possible.
    folder = session_path.resolve().parent
    paths = {key: path_for_file(getattr(spec, key), folder)
             for key in ("log", "bins", "drift_log") if getattr(spec, key)}
    save_session(session.with_(routing=replace(spec, **paths).to_dict()), session_path)
    print(f"workbench: routing settings saved to {session_path}", file=sys.stderr)
