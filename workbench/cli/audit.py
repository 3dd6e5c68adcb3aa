"""``workbench audit``: a decision against its production logs.

The main CLI owns the parser; it calls ``add_arguments`` on its "audit" subparser and
``run`` with the parsed namespace. The engine is `workbench.audit`; this module parses,
calls and prints.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from workbench.errors import InputError
from workbench.routing.spec import SQL_DIALECTS

# Flags that override the session's [monitoring] fields (parsed in the one number
# grammar by the field itself).
MONITORING_FLAGS: dict[str, str] = {
    "lookback": "monitoring.lookback_days",
    "threshold": "monitoring.anomaly_threshold",
    "min_dollars": "monitoring.min_anomaly_usd",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "logs", metavar="LOGS", nargs="?",
        help="production log: a CSV file, a Parquet file or a folder of Parquet files "
             "(one row per request or served batch); with --aggregated, the output of "
             "the --emit-sql query; optional with --emit-sql")
    parser.add_argument("--session", metavar="SESSION.toml",
                        help="the decision record to audit (required unless --emit-sql)")
    periods = parser.add_argument_group("why the bill changed")
    periods.add_argument("--baseline-period", metavar="A..B",
                         help="days to compare against, e.g. 2027-01-01..2027-01-28 "
                              "(default: as many days just before --period)")
    periods.add_argument("--period", metavar="C..D",
                         help="days to audit (default: the log's last 28 days)")
    periods.add_argument("--by", metavar="COLUMN",
                         help="a dimension column of the log (region, customer, "
                              "library_version...) to find where the change happened")
    anomalies = parser.add_argument_group("anomalies (default: the session's [monitoring])")
    anomalies.add_argument("--lookback", metavar="DAYS",
                           help="days of history behind each day's baseline (default 28)")
    anomalies.add_argument("--threshold", metavar="Z",
                           help="robust z that flags a day (default 6)")
    anomalies.add_argument("--min-dollars", metavar="USD",
                           help="cost anomalies smaller than this are not flagged (default 0)")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    out.add_argument("--emit-sql", action="store_true",
                     help="print the aggregation SQL (for a warehouse) instead of auditing")
    out.add_argument("--dialect", choices=SQL_DIALECTS, default="duckdb",
                     help="SQL dialect of --emit-sql (default duckdb)")
    out.add_argument("--aggregated", action="store_true",
                     help="LOGS is the saved result of the --emit-sql query")
    out.add_argument("--map", action="append", default=[], metavar="COLUMN=HEADER",
                     help="say which header holds a log column (timestamp, model, "
                          "batch_size, latency_ms, cost_usd, escalated, correct, ...); "
                          "repeatable")


def run(args: argparse.Namespace) -> int:
    from workbench.audit import AuditOptions, audit, parse_period
    from workbench.audit.report import render
    from workbench.cli.main import guard_outputs, write_output
    from workbench.cli.options import mapping_from

    mapping = mapping_from(args)
    if args.emit_sql:
        guard_outputs([("the log", args.logs), ("the session", args.session)],
                      [("-o", args.output)])
        write_output(_sql(args, mapping), args.output)
        return 0
    if not args.session:
        raise InputError("audit needs --session SESSION.toml (the decision to audit)")
    if not args.logs:
        raise InputError("audit needs LOGS: a CSV file, a Parquet file or a folder of "
                         "Parquet files")
    if args.dialect != "duckdb":
        raise InputError("--dialect applies to --emit-sql only")
    if args.aggregated and mapping:
        raise InputError("--map applies to a raw log, not to --aggregated sums")
    guard_outputs([("the log", args.logs), ("the session", args.session)],
                  [("-o", args.output)])
    session = _session(args)
    options = AuditOptions(
        baseline_period=(None if args.baseline_period is None
                         else parse_period(args.baseline_period, "--baseline-period")),
        period=None if args.period is None else parse_period(args.period, "--period"),
        by=args.by, mapping=mapping, aggregated=args.aggregated,
    )
    result = audit(session, Path(args.logs), options, base_dir=Path(args.session).parent,
                   source=args.logs)
    width = max(60, min(shutil.get_terminal_size((80, 24)).columns, 160))
    write_output(render(result, args.format, width), args.output)
    return 0


def _session(args: argparse.Namespace):
    from workbench.fields import field
    from workbench.session import load_session

    session, _ = load_session(Path(args.session))
    for dest, path in MONITORING_FLAGS.items():
        text = getattr(args, dest, None)
        if text is None:
            continue
        flag = "--" + dest.replace("_", "-")
        try:
            session = field(path).set(session, field(path).parse(text))
        except InputError as exc:
            raise InputError(f"{flag}: {exc.message}") from None
    return session


def _sql(args: argparse.Namespace, mapping: dict[str, str]) -> str:
    from workbench.audit.logs import aggregation_sql, log_columns, log_headers

    if args.aggregated:
        raise InputError("--emit-sql writes the query; --aggregated reads its result")
    columns = None
    if args.logs:
        types = log_headers(Path(args.logs), args.logs)
        columns = log_columns(types, mapping or None, args.by, args.logs)
    return aggregation_sql(columns, dialect=args.dialect, by=args.by)
