"""The headless command line: `workbench analyze | report | deck | diff | route | audit | check |
prices | import | log`.

A thin layer: parse arguments, call the engine, print. Anything the TUI can produce,
a script can produce from here. Bad input exits with status 2 and one message on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from workbench import __version__
from workbench.errors import InputError

SUBCOMMANDS = ("analyze", "report", "deck", "diff", "route", "audit", "check", "prices",
               "import", "log")
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
    an.add_argument("--sweep-detail", action="store_true",
                    help="JSON: list every candidate's monthly cost and feasibility at each "
                    "volume of the sweep (by default each volume has a summary)")

    rp = sub.add_parser("report", help="write the decision memo, a one-page brief, an "
                        "interactive HTML report or chart images of a session",
                        description="Write the decision memo (markdown) of a session, or "
                        "with --brief the one-page brief, to stdout or -o FILE. --html, --png "
                        "and --svg write the interactive report and the charts; the markdown then "
                        "is written only when -o or --brief asks for it.")
    rp.add_argument("path", metavar="SESSION.toml")
    add_scenario_arguments(rp)
    rp.add_argument("-o", "--output", metavar="FILE", help="the memo (or brief) to FILE")
    rp.add_argument("--brief", action="store_true",
                    help="the one-page brief (markdown, at most 60 lines) instead of the memo")
    rp.add_argument("--html", metavar="FILE",
                    help="a self-contained interactive report (Plotly; opens offline)")
    rp.add_argument("--png", metavar="DIR", help="every chart as a PNG image in DIR")
    rp.add_argument("--svg", metavar="DIR", help="every chart as an SVG image in DIR")

    dk = sub.add_parser("deck", help="a slide deck (PowerPoint) of a session's decision",
                        description="Write the decision as a PowerPoint deck: the question, "
                        "the recommendation, constraints, frontier, matrix, what-ifs, cost of "
                        "ownership, risks and the recorded decision.")
    dk.add_argument("path", metavar="SESSION.toml")
    add_scenario_arguments(dk)
    dk.add_argument("-o", "--output", metavar="FILE.pptx", required=True)

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
        "the built-in retail checkout sample. Commands: analyze, report, deck, diff, route, audit, "
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


def write_chunks(chunks: Iterator[bytes | memoryview], output: str | None) -> None:
    """UTF-8 pieces to stdout, or atomically to `output` (as `write_output`), as they come."""
    if output:
        from workbench.atomic import atomic_write_bytes

        atomic_write_bytes(Path(output), chunks)
        return
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text-only stdout (some test captures)
        for chunk in chunks:
            sys.stdout.write(bytes(chunk).decode())
        return
    sys.stdout.flush()
    for chunk in chunks:
        stream.write(chunk)
    stream.flush()


def guard_outputs(
    inputs: list[tuple[str, str | None]], outputs: list[tuple[str, str | None]]
) -> None:
    from workbench import fileio

    fileio.guard_outputs(inputs, outputs)


def _open(args: argparse.Namespace):
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
    if args.sweep_detail and args.format != "json":
        raise InputError("--sweep-detail lists the sweep in JSON: use it with --format json")
    session, notes = _open(args)
    protected = [("the input", args.path), *session_inputs(session, args.path)]
    # Saving a session onto itself is how a decision record is updated (the previous
    # version is kept as .bak); a candidate table is never overwritten.
    is_session = Path(args.path).suffix.lower() in SESSION_SUFFIXES
    guard_outputs(protected[1:] if is_session else protected, [("--save", args.save)])
    guard_outputs(protected, [("-o", args.output)])
    guard_outputs([("--save", args.save)], [("-o", args.output)])
    # One evaluation: the analysis with the routed system as a candidate when the
    # session has [routing]. The robustness figures only appear in JSON, after the
    # candidates: they are computed beside the candidates' lines (see below).
    evaluation = evaluate(session, Path(args.path).parent if is_session else None,
                          robust=False)
    analysis = evaluation.analysis
    if evaluation.routing_error is not None:
        notes = [*notes, f"routing not simulated: {evaluation.routing_error}"]
    if args.save:
        from workbench.evaluation import for_record
        from workbench.session import save_session

        session = for_record(session, analysis)
        target = Path(args.save)
        if not target.parent.is_dir():
            raise InputError(f"folder {str(target.parent)!r} does not exist", source=args.save)
        save_session(session, target)
        print(f"workbench: session saved to {args.save}", file=sys.stderr)
    if args.format == "json":
        # Every candidate, written as it is made: a million rows never sit in memory
        # as one string. A session's routing result rides along. The robustness block
        # comes after the candidates: it is computed on a thread while they are written
        # (0.3 s at 1M candidates), and waited for when its turn comes.
        from concurrent.futures import ThreadPoolExecutor

        from workbench.evaluation import assess

        with ThreadPoolExecutor(1) as pool:
            robust = pool.submit(assess, analysis)
            if not args.output:
                # On a stream an error must come before the first byte; a file is
                # written atomically, so an error halfway leaves nothing behind.
                robust.result()
            write_chunks(export.json_chunks(analysis, notes, sweep_detail=args.sweep_detail,
                                            evaluation=evaluation, robustness=robust.result),
                         args.output)
        return 0
    if args.format == "csv":
        write_chunks(export.csv_chunks(analysis), args.output)
        return 0
    if args.format == "markdown":
        text = export.to_markdown(analysis, notes)
    else:
        from workbench.cli.text import to_text

        text = to_text(analysis, notes, width=_terminal_width())
    write_output(text, args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.evaluation import evaluate
    from workbench.inputs import session_inputs

    files = [(flag, value) for flag, value in (("--html", args.html), ("--png", args.png),
                                               ("--svg", args.svg)) if value]
    # Missing libraries are reported before anything is computed or written.
    from workbench.views.figures import need

    if args.html:
        need("plotly", "report")
        need("markdown_it", "report")
    if args.png or args.svg:
        need("matplotlib", "images")
    session, notes = _open(args)
    outputs: list[tuple[str, str | None]] = [("-o", args.output), ("--html", args.html)]
    if args.png or args.svg:
        from workbench.views.images import image_paths

        for flag, folder, fmt in (("--png", args.png, "png"), ("--svg", args.svg, "svg")):
            if folder:
                outputs += [(flag, str(p)) for p in image_paths(folder, fmt)]
    guard_outputs([("the input", args.path), *session_inputs(session, args.path)], outputs)
    path = Path(args.path)
    evaluation = evaluate(session, path.parent)
    if args.html:
        from workbench.atomic import atomic_write_text
        from workbench.views.report_html import render_html

        atomic_write_text(Path(args.html), render_html(evaluation, path, notes=notes))
        print(f"workbench: interactive report written to {args.html}", file=sys.stderr)
    for folder, fmt in ((args.png, "png"), (args.svg, "svg")):
        if folder:
            from workbench.views.images import write_images

            written = write_images(evaluation, folder, fmt)
            print(f"workbench: {len(written)} {fmt.upper()} charts written to {folder}",
                  file=sys.stderr)
    if files and not args.output and not args.brief:
        return 0  # the files were the output; the memo goes to stdout only when asked
    if args.brief:
        from workbench.views.brief import render_brief

        text = render_brief(evaluation, path)
    else:
        from workbench.views.memo import render_memo

        text = render_memo(session, notes=notes, session_path=path, evaluation=evaluation)
    write_output(text, args.output)
    return 0


def cmd_deck(args: argparse.Namespace) -> int:
    from workbench.evaluation import evaluate
    from workbench.inputs import session_inputs
    from workbench.views.figures import need

    need("pptx", "deck")
    need("matplotlib", "images")
    # The load notes are not shown: write_deck has no place for them (the memo has).
    session, _ = _open(args)
    guard_outputs([("the input", args.path), *session_inputs(session, args.path)],
                  [("-o", args.output)])
    path = Path(args.path)
    from workbench.views.deck import write_deck

    write_deck(evaluate(session, path.parent), args.output, path)
    print(f"workbench: deck written to {args.output}", file=sys.stderr)
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
    if argv and argv[0] in SUBCOMMANDS:
        # A headless command runs once over possibly a million rows: arrow's buffers
        # go back to the system as they are freed (its default pool keeps them, and
        # the peak memory of an export grows by the chunks it has made). Read when
        # pyarrow is first imported, which is after this.
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        if not argv or (argv[0] not in SUBCOMMANDS
                        and argv[0] not in ("-h", "--help", "--version")):
            return cmd_tui(argv)
        args = _parser().parse_args(argv)
        if args.command == "analyze":
            return cmd_analyze(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "deck":
            return cmd_deck(args)
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

            if args.command == "import":
                return importers.run_import(args)
            return importers.run_log(args)
        _parser().print_help()
        return 0
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug must still end in one line (WORKBENCH_DEBUG re-raises)
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        from workbench.fmt import printable

        print(
            f"workbench: internal error: {printable(type(exc).__name__)}: {printable(exc)} "
            "(a bug: please report it; set WORKBENCH_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
