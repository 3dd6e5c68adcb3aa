"""The headless command line: `workbench analyze | report | diff | route | audit | check | prices | import | log`.

A thin layer: parse arguments, call the engine, print. Anything the TUI can produce,
a script can produce from here. Bad input exits with status 2 and one message on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from workbench import __version__
from workbench.errors import InputError

SUBCOMMANDS = ("analyze", "report", "diff", "route", "audit", "check", "prices", "import", "log")
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: tests treat it as a failure, never as handled input


def _parser() -> argparse.ArgumentParser:
    from workbench.cli.options import add_scenario_arguments

    parser = argparse.ArgumentParser(
        prog="workbench",
        description="A terminal decision workbench for cost-aware ML model selection. "
        "Run with no command to open the interactive workbench.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    an = sub.add_parser("analyze", help="analyse a candidate table or a session",
                        description="Analyse a candidate table (CSV, TSV, JSON, Parquet) "
                        "or a session TOML and print the result.")
    an.add_argument("path", metavar="PATH", help="table file or session .toml")
    add_scenario_arguments(an)
    an.add_argument("--format", choices=("text", "json", "markdown", "csv"), default="text")
    an.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    an.add_argument("--save", metavar="SESSION.toml", help="also save the inputs as a session")

    rp = sub.add_parser("report", help="write the decision memo (markdown) of a session")
    rp.add_argument("path", metavar="SESSION.toml")
    add_scenario_arguments(rp)
    rp.add_argument("-o", "--output", metavar="FILE")

    df = sub.add_parser("diff", help="what changed between two decision records")
    df.add_argument("old", metavar="OLD.toml")
    df.add_argument("new", metavar="NEW.toml")
    df.add_argument("--format", choices=("text", "json"), default="text")

    ck = sub.add_parser("check", help="does a decision record still hold? (exit 0 yes, 1 no)",
                        description="Exit 0 when the recorded decision still holds, 1 with "
                        "the reasons when it does not, 2 on bad input: a CI gate.")
    from workbench.cli import check as check_cli

    check_cli.add_arguments(ck)

    rt = sub.add_parser("route", help="simulate routing between a cheap and an expensive model")
    from workbench.cli import route as routing_cli

    routing_cli.add_arguments(rt)

    au = sub.add_parser("audit", help="a decision against its production logs",
                        description="Audit a decision record against production inference "
                        "logs: the daily picture, each assumption against production, "
                        "anomalies, why the bill changed between two periods (and where, "
                        "with --by), whether the pick still holds, and the [monitoring] "
                        "promotion and demotion criteria.")
    from workbench.cli import audit as audit_cli

    audit_cli.add_arguments(au)

    pr = sub.add_parser("prices", help="list and search the bundled price catalogues",
                        description="List and search the bundled price catalogues: cloud "
                        "instances (USD per hour by plan) and LLM APIs (USD per 1M tokens).")
    from workbench.cli import prices as prices_cli

    prices_cli.add_arguments(pr)
    from workbench.cli import importers

    im = sub.add_parser("import", help="candidates from MLflow or Weights & Biases runs",
                        description="Import experiment-tracker runs as a candidate table "
                        "(-o) or a session (--save).")
    importers.add_import_arguments(im)
    lg = sub.add_parser("log", help="record a decision in MLflow",
                        description="Record a session's decision in an experiment tracker.")
    importers.add_log_arguments(lg)
    return parser


def _tui_parser() -> argparse.ArgumentParser:
    from workbench.cli.options import add_scenario_arguments

    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Open the interactive workbench on PATH (a table or a session), or on "
        "the built-in retail checkout sample. Commands: analyze, report, diff, route, audit, "
        "check, prices, import, log "
        "(see `workbench COMMAND --help`).",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument("path", nargs="?", metavar="PATH")
    add_scenario_arguments(parser)
    return parser


def write_output(text: str, output: str | None) -> None:
    """`text` to stdout, or atomically to `output` (symlinks followed, special files
    refused, the previous version kept as OUTPUT.bak). Check the outputs against the
    command's inputs with `guard_outputs` before computing anything."""
    if output:
        from workbench.atomic import atomic_write_text

        atomic_write_text(Path(output), text)
    else:
        sys.stdout.write(text)


def guard_outputs(
    inputs: list[tuple[str, str | None]], outputs: list[tuple[str, str | None]]
) -> None:
    from workbench import fileio

    fileio.guard_outputs(inputs, outputs)


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from workbench.cli.options import apply_overrides, mapping_from
    from workbench.inputs import open_path

    session, notes = open_path(args.path, mapping_from(args))
    return apply_overrides(session, args), notes


def cmd_analyze(args: argparse.Namespace) -> int:
    from workbench.evaluation import evaluate
    from workbench.inputs import SESSION_SUFFIXES, session_inputs
    from workbench.views import export

    if args.save and not args.save.lower().endswith(".toml"):
        raise InputError("--save needs a .toml file name", source=args.save)
    session, notes = _open(args)
    protected = [("the input", args.path), *session_inputs(session, args.path)]
    # Saving a session onto itself is how a decision record is updated (the previous
    # version is kept as .bak); a candidate table is never overwritten.
    is_session = Path(args.path).suffix.lower() in SESSION_SUFFIXES
    guard_outputs(protected[1:] if is_session else protected, [("--save", args.save)])
    guard_outputs(protected, [("-o", args.output)])
    guard_outputs([("--save", args.save)], [("-o", args.output)])
    # One evaluation: the analysis with the routed system as a candidate when the
    # session has [routing] (the robustness figures are the memo's, not needed here).
    evaluation = evaluate(session, Path(args.path).parent if is_session else None,
                          robust=False)
    analysis = evaluation.analysis
    if evaluation.routing_error is not None:
        notes = [*notes, f"routing not simulated: {evaluation.routing_error}"]
    if args.save:
        from workbench.session import save_session

        from workbench.evaluation import for_record

        session = for_record(session, analysis)
        target = Path(args.save)
        if not target.parent.is_dir():
            raise InputError(f"folder {str(target.parent)!r} does not exist", source=args.save)
        save_session(session, target)
        print(f"workbench: session saved to {args.save}", file=sys.stderr)
    if args.format == "json" and evaluation.routing is not None:
        doc = export.to_dict(analysis, notes)
        doc["routing"] = evaluation.routing.to_json_dict()
        text = export.json_text(doc)
    elif args.format == "json":
        text = export.to_json(analysis, notes)
    elif args.format == "csv":
        text = export.to_csv(analysis)
    elif args.format == "markdown":
        text = export.to_markdown(analysis, notes)
    else:
        from workbench.cli.text import to_text

        text = to_text(analysis, notes, width=_terminal_width())
    write_output(text, args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.inputs import session_inputs
    from workbench.views.memo import render_memo

    session, notes = _open(args)
    guard_outputs([("the input", args.path), *session_inputs(session, args.path)],
                  [("-o", args.output)])
    write_output(render_memo(session, notes=notes, session_path=Path(args.path)), args.output)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from workbench.views.diff import run_diff

    return run_diff(Path(args.old), Path(args.new), args.format)


def _terminal_width() -> int:
    # Honours $COLUMNS; 80 when piped, the width every terminal has.
    return max(60, min(shutil.get_terminal_size((80, 24)).columns, 160))


def _interactive() -> bool:
    """A terminal on both ends: the TUI needs keys in and a screen out."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_tui(argv: list[str]) -> int:
    args = _tui_parser().parse_args(argv)
    if not _interactive():
        # No terminal (a pipe, CI, cron): the TUI would draw into the pipe and spin.
        # Print what its first screen would show, as `analyze --format text` does.
        from workbench.analysis import analyze
        from workbench.cli.text import to_text
        from workbench.inputs import builtin_sample_path

        if not args.path:
            args.path = str(builtin_sample_path())
        session, notes = _open(args)
        sys.stdout.write(to_text(analyze(session.scenario), notes, width=_terminal_width()))
        return 0
    from workbench.tui.app import run_app

    return run_app(args)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
            return cmd_tui(argv)
        args = _parser().parse_args(argv)
        if args.command == "analyze":
            return cmd_analyze(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "diff":
            return cmd_diff(args)
        if args.command == "check":
            from workbench.cli import check as check_cli

            return check_cli.run(args)
        if args.command == "route":
            from workbench.cli import route as routing_cli

            return routing_cli.run(args)
        if args.command == "audit":
            from workbench.cli import audit as audit_cli

            return audit_cli.run(args)
        if args.command == "prices":
            from workbench.cli import prices as prices_cli

            return prices_cli.run(args)
        if args.command in ("import", "log"):
            from workbench.cli import importers

            return importers.run_import(args) if args.command == "import" else importers.run_log(args)
        _parser().print_help()
        return 0
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one line
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        from workbench.fmt import printable

        print(
            f"workbench: internal error: {printable(type(exc).__name__)}: {printable(exc)} "
            "(a bug: please report it; set WORKBENCH_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
