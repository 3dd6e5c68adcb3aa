"""`workbench import mlflow | wandb-csv | wandb` and `workbench log mlflow`.

Argument parsing and printing only: the importers and the logger live in
`workbench.integrations` and import their tracker library when they run, so the CLI's
start-up never loads MLflow or wandb.

    workbench import mlflow --tracking-uri sqlite:///mlflow.db --experiment imagenet \\
        --map accuracy=metrics.val_acc --map latency_ms=metrics.p95_ms \\
        --map cost_per_1k=params.cost_per_1k --volume-per-day 1e6 --save imagenet.toml
    workbench log mlflow imagenet.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.errors import InputError

MAP_HELP = ("COL=KEY: the key holding a column, e.g. accuracy=metrics.val_acc or "
            "cost_per_1k=params.cost_per_1k (repeatable). Without it a column is read only "
            "from a key named exactly like it (metrics.accuracy)")


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="tracker", metavar="TRACKER", required=True)
    ml = sub.add_parser(
        "mlflow", help="runs of an MLflow experiment, or versions of a registered model",
        description="Import an MLflow experiment's runs (or a registered model's versions) "
        "as candidates. Needs: pip install 'workbench[mlflow]'.")
    ml.add_argument("--tracking-uri", required=True, metavar="URI",
                    help="e.g. sqlite:///mlflow.db or http://mlflow.internal:5000")
    which = ml.add_mutually_exclusive_group(required=True)
    which.add_argument("--experiment", metavar="NAME", help="import this experiment's runs")
    which.add_argument("--registry", metavar="MODEL",
                       help="import this registered model's versions instead")
    ml.add_argument("--filter", metavar="EXPR",
                    help="MLflow search filter, e.g. \"metrics.val_acc > 0.7\" (with --experiment)")
    ml.add_argument("--alias", metavar="ALIAS",
                    help="with --registry: the version holding this alias (e.g. champion) "
                         "becomes the what-if baseline")
    ml.add_argument("--name-from", metavar="KEY",
                    help="name candidates by run_name (default), run_id, tags.KEY or params.KEY "
                         "(with --registry the default is 'MODEL vN')")
    _outputs(ml)

    wc = sub.add_parser(
        "wandb-csv", help="a runs table exported from the W&B UI as CSV",
        description="Import a runs table exported from the W&B UI (columns Name, State, ..., "
        "then one per config and summary key). No W&B library or account needed.")
    wc.add_argument("file", metavar="FILE.csv")
    wc.add_argument("--name-from", metavar="COLUMN", default="Name",
                    help="the column naming candidates (default Name)")
    wc.add_argument("--state", action="append", metavar="STATE",
                    help="keep runs in this state only, e.g. finished (repeatable)")
    _outputs(wc)

    wb = sub.add_parser(
        "wandb", help="a W&B project's runs through the public API",
        description="Import a W&B project's runs through the public API (needs network "
        "access to W&B, a login, and pip install 'workbench[wandb]').")
    wb.add_argument("--wandb-project", required=True, metavar="ENTITY/PROJECT")
    wb.add_argument("--name-from", metavar="KEY", default="name",
                    help="name (default), id, or config.KEY / summary.KEY")
    wb.add_argument("--state", action="append", metavar="STATE",
                    help="keep runs in this state only, e.g. finished (repeatable)")
    _outputs(wb)


def _outputs(parser: argparse.ArgumentParser) -> None:
    from workbench.cli.options import add_scenario_arguments

    parser.add_argument("-o", "--output", metavar="TABLE.csv",
                        help="write the candidate table as CSV (default: print it)")
    parser.add_argument("--save", metavar="SESSION.toml",
                        help="save a session: the table, where it came from, and the "
                             "scenario flags below")
    add_scenario_arguments(parser)
    for action in parser._actions:  # the shared --map means a tracker key here
        if action.dest == "map":
            action.help = MAP_HELP
            action.metavar = "COL=KEY"


def add_log_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="tracker", metavar="TRACKER", required=True)
    ml = sub.add_parser(
        "mlflow", help="record the decision as an MLflow run",
        description="Record a session's decision as an MLflow run: the inputs as params, the "
        "pick's figures as metrics, the session, the memo and the JSON analysis as "
        "artifacts, tags naming the pick. Needs: pip install 'workbench[mlflow]'.")
    ml.add_argument("session", metavar="SESSION.toml")
    ml.add_argument("--tracking-uri", metavar="URI",
                    help="default: the URI the session was imported from")
    ml.add_argument("--experiment", metavar="NAME",
                    help="default: the experiment the session was imported from (created "
                         "when missing)")
    ml.add_argument("--set-alias", metavar="ALIAS",
                    help="also point this registered-model alias (e.g. champion) at the "
                         "pick's version; never done without this flag")


# ------------------------------------------------------------------------ running


def run_import(args: argparse.Namespace) -> int:
    from workbench.cli.main import guard_outputs
    from workbench.cli.options import mapping_from

    if args.save and not args.save.lower().endswith(".toml"):
        raise InputError("--save needs a .toml file name", source=args.save)
    if args.output and not args.output.lower().endswith(".csv"):
        raise InputError("-o writes a CSV table: give a .csv file name", source=args.output)
    if _scenario_flags(args) and not args.save:
        raise InputError("scenario flags (--volume-per-day, --budget, --weight, ...) go into "
                         "a session: add --save SESSION.toml")
    inputs = [("the W&B export", args.file)] if args.tracker == "wandb-csv" else []
    guard_outputs(inputs, [("--save", args.save), ("-o", args.output)])
    mapping = mapping_from(args)
    session, notes, what = _import(args, mapping)
    if args.save:
        from workbench.cli.options import apply_overrides
        from workbench.session import save_session

        target = Path(args.save)
        if not target.parent.is_dir():
            raise InputError(f"folder {str(target.parent)!r} does not exist", source=args.save)
        save_session(apply_overrides(session, args), target)
    frame = session.scenario.candidates
    if args.output:
        from workbench.cli.main import write_output

        write_output(frame.to_csv(index=False), args.output)
    elif not args.save:
        sys.stdout.write(_printable_csv(frame))
    _say(f"{len(frame)} candidates from {what}"
         + (f" -> {args.save}" if args.save else "")
         + (f" -> {args.output}" if args.output else ""))
    for note in notes:
        _say(f"note: {note}")
    return 0


def _import(args: argparse.Namespace, mapping: dict[str, str]) -> tuple[Any, list[str], str]:
    from workbench.integrations.runs import to_session

    title = args.title
    if args.tracker == "mlflow":
        from workbench.integrations import mlflow_io

        if args.registry:
            if args.filter:
                raise InputError("--filter applies to --experiment runs, not --registry")
            if args.alias and args.baseline:
                raise InputError("--alias and --baseline both set the baseline: give one")
            result = mlflow_io.import_registry(args.tracking_uri, args.registry, alias=args.alias,
                                               mapping=mapping, name_from=args.name_from)
            what = f"MLflow registered model {args.registry!r}"
        else:
            if args.alias:
                raise InputError("--alias applies to --registry MODEL")
            result = mlflow_io.import_runs(args.tracking_uri, args.experiment,
                                           filter_string=args.filter, mapping=mapping,
                                           name_from=args.name_from or "run_name")
            what = f"MLflow experiment {args.experiment!r}"
        session = to_session(result.imported, "mlflow", result.info,
                             title or f"{args.registry or args.experiment} (MLflow)",
                             baseline=result.baseline)
        return session, [*result.imported.notes, *result.notes], what
    from workbench.integrations import wandb_io

    if args.tracker == "wandb-csv":
        wandb, digest = wandb_io.import_csv(args.file, mapping=mapping, name_from=args.name_from,
                                            states=args.state)
        session = to_session(wandb.imported, "wandb", wandb.info,
                             title or f"{Path(args.file).stem} (W&B)", path=str(args.file),
                             sha256=digest)
        return session, wandb.imported.notes, f"W&B export {args.file}"
    wandb = wandb_io.import_project(args.wandb_project, mapping=mapping,
                                    name_from=args.name_from, states=args.state)
    session = to_session(wandb.imported, "wandb", wandb.info,
                         title or f"{args.wandb_project} (W&B)")
    return session, wandb.imported.notes, f"W&B project {args.wandb_project}"


def _scenario_flags(args: argparse.Namespace) -> bool:
    from workbench.fields import FIELDS

    given = [f for f in FIELDS if f.flag and getattr(args, f.dest, None) is not None
             and f.flag != "--title"]
    return bool(given or args.weight or args.max or args.min)


def _printable_csv(frame: Any) -> str:
    """The table for a terminal: a name or a param holding a control character shows it
    as a visible escape (the -o file keeps the exact text)."""
    from workbench.fmt import printable

    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object:
            shown[column] = [v if v is None or not isinstance(v, str) else printable(v)
                             for v in shown[column]]
    shown.columns = [printable(c) for c in shown.columns]
    return str(shown.to_csv(index=False))


def _say(text: str) -> None:
    from workbench.fmt import printable

    print(f"workbench: {printable(text)}", file=sys.stderr)


def run_log(args: argparse.Namespace) -> int:
    from workbench.integrations.mlflow_io import log_decision

    logged = log_decision(Path(args.session), tracking_uri=args.tracking_uri,
                          experiment=args.experiment, set_alias=args.set_alias)
    for note in logged.notes:
        _say(note)
    pick = f"; pick {logged.pick!r}" if logged.pick else "; no pick"
    _say(f"logged the decision as MLflow run {logged.run_id} in experiment "
         f"{logged.experiment!r} ({logged.tracking_uri}){pick}")
    print(logged.run_id)
    return 0


__all__ = ["add_import_arguments", "add_log_arguments", "run_import", "run_log"]
