"""MLflow: runs and registered model versions in, a decision out as a run.

- `import_runs`: an experiment's runs become candidates (see `workbench.integrations.runs`
  for how keys become columns). A local SQLite store (`sqlite:///mlflow.db`) is read
  directly, read-only, when no --filter is given and its tables have the columns this
  reader knows: importing 1,000 runs then takes well under a second, where the MLflow
  client needs about three just to import itself. Every other case (a --filter, a
  server, an unknown schema) goes through `MlflowClient`; a test checks that both give
  the same table.
- `import_registry`: a registered model's versions become candidates (each with its
  run's metrics and params); the version holding `--alias` becomes the what-if baseline.
- `log_decision`: a session becomes an MLflow run (inputs as params, the pick's figures
  as metrics, the session, the memo and the JSON analysis as artifacts, tags naming the
  pick); an alias is set on the pick's registered version only when asked.

The MLflow library is imported inside the functions (`require`): `import workbench`
never loads it. An MLflow file store (./mlruns) is refused with how to move it to SQLite.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from workbench.errors import InputError
from workbench.fmt import clip
from workbench.integrations import require
from workbench.integrations.runs import Imported, Run, runs_table

EXTRA = "mlflow"
STATE_HINT = "keep finished runs only with --filter \"attributes.status = 'FINISHED'\""
# A tracking server that does not answer should fail in seconds, not after MLflow's
# default of 7 retries with exponential back-off (minutes). The user's own settings win.
_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
                  "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}
# The tables and columns the direct SQLite reader uses; a store without them (another
# MLflow major) is read through the client instead.
_SQLITE_SCHEMA: dict[str, set[str]] = {
    "experiments": {"experiment_id", "name", "lifecycle_stage"},
    "runs": {"run_uuid", "name", "status", "start_time", "lifecycle_stage", "experiment_id"},
    "latest_metrics": {"run_uuid", "key", "value", "is_nan"},
    "params": {"run_uuid", "key", "value"},
    "tags": {"run_uuid", "key", "value"},
}
# MLflow's key prefixes, and the singular spellings people also type.
_PREFIXES = {"metric": "metrics", "metrics": "metrics", "param": "params", "params": "params",
             "tag": "tags", "tags": "tags"}
# MLflow truncates nothing silently, it refuses: param values are limited to 6,000
# characters (MLflow 3), so a long criteria list is clipped with a visible marker.
MAX_PARAM_CHARS = 6000


# --------------------------------------------------------------------- tracking URIs


def check_uri(uri: str, *, must_exist: bool = True) -> str:
    """The tracking URI if MLflow can use it; an InputError saying what to use if not."""
    uri = uri.strip()
    if not uri:
        raise InputError("--tracking-uri is empty; e.g. --tracking-uri sqlite:///mlflow.db")
    scheme = urlparse(uri).scheme.lower()
    if uri.lower() == "databricks":  # MLflow's one scheme-less URI that is not a path
        return uri
    if scheme in ("", "file") or (len(scheme) == 1 and uri[1:3] in (":\\", ":/")):
        where = uri.removeprefix("file://") if scheme == "file" else uri
        raise InputError(
            f"{uri!r} is an MLflow file store, which MLflow has deprecated: move it to SQLite "
            f"with `mlflow migrate-filestore --source {where} --target sqlite:///mlflow.db`, "
            "then use --tracking-uri sqlite:///mlflow.db (or a tracking server's http(s):// "
            "address)")
    if scheme == "sqlite":
        path = sqlite_path(uri)
        if path is None:
            raise InputError(f"{uri!r}: expected sqlite:///PATH (e.g. sqlite:///mlflow.db)")
        if must_exist and not path.is_file():
            raise InputError(f"no MLflow database at {path} ({uri}); check the path (a "
                             "relative one is read from the current folder)")
        if not path.parent.is_dir():
            raise InputError(f"folder {str(path.parent)!r} does not exist ({uri})")
    if scheme in ("http", "https"):
        for key, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
    return uri


def sqlite_path(uri: str) -> Path | None:
    """The file of a sqlite:/// URI (sqlite:///rel.db is relative, sqlite:////abs.db is
    absolute), or None for an in-memory or malformed one."""
    if not uri.lower().startswith("sqlite:///"):
        return None
    rest = uri[len("sqlite:///"):].split("?", 1)[0]
    return Path(rest) if rest and rest != ":memory:" else None


@contextmanager
def _quiet() -> Iterator[None]:
    """MLflow and alembic log INFO lines while opening a store; the CLI prints one line."""
    names = ("alembic", "mlflow")
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


def _client(uri: str) -> Any:
    tracking = require("mlflow.tracking", EXTRA)
    with _quiet():
        try:
            return tracking.MlflowClient(tracking_uri=uri, registry_uri=uri)
        except Exception as exc:  # noqa: BLE001 - any failure to open the store
            raise _unreachable(uri, exc) from None


def _unreachable(uri: str, exc: BaseException) -> InputError:
    return InputError(f"cannot open the MLflow tracking store {uri}: "
                      f"{clip(_message(exc), 300)}")


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def _error_code(exc: BaseException) -> str | None:
    return getattr(exc, "error_code", None)


# ---------------------------------------------------------------------- importing


@dataclass
class ImportResult:
    imported: Imported
    info: dict[str, str | int]  # the [source.mlflow] record
    baseline: str | None = None  # the candidate holding --alias (registry imports)
    notes: list[str] = field(default_factory=list)


def import_runs(
    tracking_uri: str,
    experiment: str,
    *,
    filter_string: str | None = None,
    mapping: Mapping[str, str] | None = None,
    name_from: str = "run_name",
) -> ImportResult:
    """An experiment's active runs as a checked candidate table."""
    uri = check_uri(tracking_uri)
    name_key = _name_key(name_from)
    label = f"MLflow experiment {experiment!r}"
    runs: list[Run] | None = None
    experiment_id: str | None = None
    path = sqlite_path(uri)
    if path is not None and not filter_string and not os.environ.get("MLFLOW_ENABLE_WORKSPACES"):
        found = read_sqlite_runs(path, experiment, name_key)
        if found is not None:
            experiment_id, runs = found
    if runs is None:
        experiment_id, runs = _client_runs(uri, experiment, filter_string, name_key)
    if not runs:
        which = f" match --filter {filter_string!r}" if filter_string else ""
        raise InputError(f"no runs{which or ' to import'}", source=label)
    imported = runs_table(runs, label, mapping, state_hint=STATE_HINT)
    info: dict[str, str | int] = {"tracking_uri": uri, "experiment": experiment,
                                  "experiment_id": str(experiment_id), "name_from": name_from}
    if filter_string:
        info["filter"] = filter_string
    return ImportResult(imported, info)


def _name_key(name_from: str) -> str:
    """run_name, run_id, or a key: tags.X, params.X, metrics.X (tag.X also works)."""
    text = name_from.strip()
    if text in ("run_name", "run_id"):
        return text
    prefix, dot, rest = text.partition(".")
    if dot and rest and prefix in _PREFIXES:
        return f"{_PREFIXES[prefix]}.{rest}"
    raise InputError(f"--name-from {name_from!r}: expected run_name, run_id, tags.KEY or "
                     "params.KEY")


def _mlflow_run(run_id: str, run_name: str | None, status: str | None,
                metrics: Mapping[str, float], params: Mapping[str, str],
                tags: Mapping[str, str], name_key: str) -> Run:
    """One definition of an MLflow run as a `Run`, for both readers: keys sorted within
    each kind, so the table's columns do not depend on how the store ordered them."""
    values: dict[str, Any] = {f"metrics.{k}": metrics[k] for k in sorted(metrics)}
    values.update({f"params.{k}": params[k] for k in sorted(params)})
    hidden = {f"tags.{k}": tags[k] for k in sorted(tags)}
    if name_key == "run_name":
        name: Any = run_name
    elif name_key == "run_id":
        name = run_id
    else:
        name = values.get(name_key, hidden.get(name_key))
    if isinstance(name, float):
        name = f"{name:g}"
    return Run(run_id=run_id, name=None if name is None else str(name), state=status,
               values=values, hidden=hidden, columns={"run_id": run_id})


def read_sqlite_runs(path: Path, experiment: str, name_key: str) -> tuple[str, list[Run]] | None:
    """(experiment id, runs) read straight from an MLflow SQLite store, read-only; None
    when the store's tables are not the ones this reader knows (then use the client).

    The same runs, values and order as `MlflowClient.search_runs` (active runs, newest
    first, then by id; each metric's latest value, NaN where MLflow stored NaN).
    """
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"cannot open {path} as an MLflow database: {exc}") from None
    try:
        for table, needed in _SQLITE_SCHEMA.items():
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if not needed <= have:
                return None
        experiment_id = _sqlite_experiment(db, experiment, path)
        rows = db.execute(
            "SELECT run_uuid, name, status FROM runs WHERE experiment_id = ? AND "
            "lifecycle_stage = 'active' ORDER BY start_time DESC, run_uuid", (experiment_id,)
        ).fetchall()
        metrics: dict[str, dict[str, float]] = {r[0]: {} for r in rows}
        params: dict[str, dict[str, str]] = {r[0]: {} for r in rows}
        tags: dict[str, dict[str, str]] = {r[0]: {} for r in rows}
        join = ("JOIN runs r ON r.run_uuid = t.run_uuid WHERE r.experiment_id = ? AND "
                "r.lifecycle_stage = 'active'")
        for run, key, value, is_nan in db.execute(
                f"SELECT t.run_uuid, t.key, t.value, t.is_nan FROM latest_metrics t {join}",
                (experiment_id,)):
            metrics[run][key] = math.nan if is_nan else float(value)
        for table, into in (("params", params), ("tags", tags)):
            for run, key, value in db.execute(
                    f"SELECT t.run_uuid, t.key, t.value FROM {table} t {join}", (experiment_id,)):
                into[run][key] = value
    except sqlite3.DatabaseError as exc:
        raise InputError(f"cannot read {path} as an MLflow database: {exc}") from None
    finally:
        db.close()
    return str(experiment_id), [
        _mlflow_run(run_id, name, status, metrics[run_id], params[run_id], tags[run_id], name_key)
        for run_id, name, status in rows
    ]


def _sqlite_experiment(db: sqlite3.Connection, experiment: str, path: Path) -> Any:
    row = db.execute("SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = ?",
                     (experiment,)).fetchone()
    if row is None:
        names = [r[0] for r in db.execute(
            "SELECT name FROM experiments WHERE lifecycle_stage = 'active' ORDER BY name")]
        raise _unknown_experiment(experiment, f"sqlite:///{path}", names)
    if row[1] != "active":
        raise InputError(f"MLflow experiment {experiment!r} is deleted (restore it in MLflow "
                         "to import its runs)")
    return row[0]


def _unknown_experiment(experiment: str, uri: str, names: list[str]) -> InputError:
    import difflib

    close = difflib.get_close_matches(experiment, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(repr(n) for n in names[:20]) or "none"
    return InputError(f"no MLflow experiment named {experiment!r} at {uri}{hint} "
                      f"(experiments: {shown})")


def _client_runs(uri: str, experiment: str, filter_string: str | None,
                 name_key: str) -> tuple[str, list[Run]]:
    client = _client(uri)
    with _quiet():
        try:
            exp = client.get_experiment_by_name(experiment)
        except Exception as exc:  # noqa: BLE001 - the first request: the store is unreachable
            raise _unreachable(uri, exc) from None
        if exp is None:
            try:
                names = sorted(e.name for e in client.search_experiments())
            except Exception:  # noqa: BLE001 - the list is only a hint
                names = []
            raise _unknown_experiment(experiment, uri, names)
        if exp.lifecycle_stage != "active":
            raise InputError(f"MLflow experiment {experiment!r} is deleted (restore it in "
                             "MLflow to import its runs)")
        runs: list[Run] = []
        token: str | None = None
        while True:
            try:
                page = client.search_runs([exp.experiment_id], filter_string=filter_string or "",
                                          max_results=1000, page_token=token)
            except Exception as exc:  # noqa: BLE001
                if _error_code(exc) == "INVALID_PARAMETER_VALUE" and filter_string:
                    raise InputError(
                        f"--filter {filter_string!r}: {clip(_message(exc), 300)}") from None
                raise _unreachable(uri, exc) from None
            for run in page:
                runs.append(_mlflow_run(run.info.run_id, run.info.run_name, run.info.status,
                                        run.data.metrics, run.data.params, run.data.tags,
                                        name_key))
            token = page.token
            if not token:
                break
    return str(exp.experiment_id), runs


def import_registry(
    tracking_uri: str,
    model: str,
    *,
    alias: str | None = None,
    mapping: Mapping[str, str] | None = None,
    name_from: str | None = None,
) -> ImportResult:
    """A registered model's versions as candidates: "MODEL vN" (or named by --name-from
    from each version's run), with run_id, model_version and aliases columns. The version
    holding `alias` becomes the baseline."""
    uri = check_uri(tracking_uri)
    name_key = _name_key(name_from) if name_from else None
    label = f"MLflow registered model {model!r}"
    client = _client(uri)
    with _quiet():
        try:
            registered = client.get_registered_model(model)
        except Exception as exc:  # noqa: BLE001
            if _error_code(exc) != "RESOURCE_DOES_NOT_EXIST":
                raise _unreachable(uri, exc) from None
            try:
                names = sorted(m.name for m in client.search_registered_models())
            except Exception:  # noqa: BLE001 - the list is only a hint
                names = []
            shown = ", ".join(repr(n) for n in names[:20]) or "none"
            raise InputError(f"no registered model named {model!r} at {uri} "
                             f"(registered models: {shown})") from None
        aliases: dict[str, str] = {a: str(v) for a, v in (registered.aliases or {}).items()}
        escaped = model.replace("\\", "\\\\").replace("'", "\\'")
        versions = list(client.search_model_versions(f"name = '{escaped}'"))
        versions.sort(key=lambda v: int(v.version))
        if not versions:
            raise InputError("has no versions to import", source=label)
        no_run = [v for v in versions if not v.run_id]
        if no_run:
            raise InputError(
                f"version(s) {', '.join(str(v.version) for v in no_run)} have no MLflow run "
                "(registered from a path), so they have no metrics to import", source=label)
        runs: list[Run] = []
        for v in versions:
            try:
                r = client.get_run(v.run_id)
            except Exception as exc:  # noqa: BLE001
                raise InputError(f"version {v.version}: cannot read its run {v.run_id}: "
                                 f"{clip(_message(exc), 200)}", source=label) from None
            run = _mlflow_run(r.info.run_id, r.info.run_name, r.info.status, r.data.metrics,
                              r.data.params, r.data.tags, name_key or "run_name")
            if name_key is None:
                run.name = f"{model} v{v.version}"
            held = sorted(a for a, ver in aliases.items() if ver == str(v.version))
            run.columns = {"run_id": r.info.run_id, "model_version": int(v.version),
                           "aliases": ", ".join(held) if held else None}
            runs.append(run)
    baseline = None
    if alias is not None:
        if alias not in aliases:
            shown = ", ".join(f"{a} (v{v})" for a, v in sorted(aliases.items())) or "none"
            raise InputError(f"--alias {alias!r}: no version holds it (aliases: {shown})",
                             source=label)
        baseline = next(r.name for r in runs if r.columns["model_version"] == int(aliases[alias]))
    imported = runs_table(runs, label, mapping, state_hint="")
    if not any(r.columns.get("aliases") for r in runs):
        imported.frame = imported.frame.drop(columns=["aliases"])
    info: dict[str, str | int] = {"tracking_uri": uri, "registered_model": model,
                                  "name_from": name_from or "version"}
    if alias is not None:
        info["alias"] = alias
    return ImportResult(imported, info, baseline)


# ------------------------------------------------------------------------ logging


@dataclass
class Logged:
    run_id: str
    experiment_id: str
    experiment: str
    tracking_uri: str
    pick: str | None
    notes: list[str] = field(default_factory=list)


def log_decision(
    session_path: Path,
    *,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    set_alias: str | None = None,
) -> Logged:
    """Record a session's decision as an MLflow run; see the module docstring."""
    from workbench.evaluation import evaluate
    from workbench.session.store import load_session, read_text
    from workbench.views.export import to_json
    from workbench.views.memo import render_memo

    session_path = Path(session_path)
    session, load_notes = load_session(session_path)
    origin = session.source.tracker.get("mlflow", {})
    uri = tracking_uri or origin.get("tracking_uri")
    if not uri:
        raise InputError("say where to log: --tracking-uri URI (the session was not "
                         "imported from MLflow)", source=str(session_path))
    name = experiment or origin.get("experiment")
    if not name:
        raise InputError("say which experiment to log to: --experiment NAME",
                         source=str(session_path))
    uri = check_uri(str(uri), must_exist=False)
    name = str(name)
    evaluation = evaluate(session, session_path.parent)
    analysis = evaluation.analysis
    rec = analysis.recommendation
    chosen = session.decision.chosen
    pick = chosen or (rec.name if rec else None)
    row = analysis.row(pick) if pick is not None else None
    notes: list[str] = []
    alias_target: tuple[str, str] | None = None
    if set_alias is not None:
        alias_target = _alias_target(session, row, pick, set_alias, str(session_path))

    params = decision_params(evaluation)
    metrics = decision_metrics(evaluation, row)
    tags = decision_tags(session, session_path, evaluation, pick, row)
    memo = render_memo(session, notes=load_notes, session_path=session_path,
                       evaluation=evaluation)
    analysis_json = to_json(analysis, load_notes)
    record = read_text(session_path)

    entities = require("mlflow.entities", EXTRA)
    db_file = sqlite_path(uri)
    existed = db_file is None or db_file.is_file()
    client = _client(uri)
    with _quiet():
        try:
            exp = client.get_experiment_by_name(name)
        except Exception as exc:  # noqa: BLE001
            raise _unreachable(uri, exc) from None
        if not existed:
            notes.append(f"created the MLflow database {db_file}")
        if exp is None:
            # In a SQLite store, beside the database (as `mlflow server` keeps them in
            # ./mlartifacts), not in whatever folder the command happens to run in.
            db = sqlite_path(uri)
            location = str((db.parent / "mlartifacts").resolve()) if db is not None else None
            experiment_id = client.create_experiment(name, artifact_location=location)
            notes.append(f"created MLflow experiment {name!r}"
                         + (f" (artifacts in {location})" if location else ""))
        elif exp.lifecycle_stage != "active":
            raise InputError(f"MLflow experiment {name!r} is deleted; restore it or log to "
                             "another one (--experiment)")
        else:
            experiment_id = exp.experiment_id
        if alias_target is not None:
            _check_version(client, *alias_target)
        run = client.create_run(experiment_id, run_name=f"decision: {clip(session.title, 200)}",
                                tags=tags)
        run_id = run.info.run_id
        try:
            stamp = _now_ms()
            client.log_batch(
                run_id,
                metrics=[entities.Metric(k, v, stamp, 0) for k, v in metrics.items()],
                params=[entities.Param(k, v) for k, v in params.items()],
            )
            client.log_text(run_id, record, session_path.name)
            client.log_text(run_id, memo, "memo.md")
            client.log_text(run_id, analysis_json, "analysis.json")
            if alias_target is not None:
                model, version = alias_target
                client.set_registered_model_alias(model, set_alias, version)
                client.set_tag(run_id, "workbench.alias_set", f"{set_alias} -> {model} v{version}")
                notes.append(f"alias {set_alias!r} now points at {model} version {version}")
        except BaseException:
            client.set_terminated(run_id, status="FAILED")
            raise
        client.set_terminated(run_id)
    return Logged(run_id, str(experiment_id), name, uri, pick, notes)


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def _alias_target(session: Any, row: Any, pick: str | None, alias: str,
                  where: str) -> tuple[str, str]:
    """(registered model, version) the alias goes to: the pick's version, checked before
    anything is written, so a refused alias leaves no half-logged run."""
    model = session.source.tracker.get("mlflow", {}).get("registered_model")
    if not alias.strip():
        raise InputError("--set-alias needs an alias name (e.g. champion)")
    if pick is None:
        raise InputError("--set-alias: nothing is chosen or recommended, so no version gets "
                         f"the alias {alias!r}", source=where)
    if not model:
        raise InputError("--set-alias: the session was not imported from a registered model "
                         "(workbench import mlflow --registry MODEL), so its candidates are "
                         "not model versions", source=where)
    version = row.get("model_version") if row is not None else None
    if version is None or (isinstance(version, float) and math.isnan(version)):
        raise InputError(f"--set-alias: {pick!r} has no model_version (it is not a version "
                         f"of {model!r})", source=where)
    return str(model), str(int(float(version)))


def _check_version(client: Any, model: str, version: str) -> None:
    try:
        client.get_model_version(model, version)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"--set-alias: {model} version {version} is not in the registry any "
                         f"more: {clip(_message(exc), 200)}") from None


def decision_params(evaluation: Any) -> dict[str, str]:
    """The analysis inputs as MLflow params: "workload.volume_per_day" = "1000000"."""
    from workbench import fields
    from workbench.fmt import clean

    session = evaluation.session
    analysis = evaluation.analysis
    out: dict[str, str] = {}
    for section, values in fields.inputs_dict(
            session, ("workload", "constraints", "scoring", "whatif")).items():
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, list):
                value = ",".join(f"{clean(v)}" for v in value)
            out[f"{section}.{key}"] = str(clean(value))
    c = session.scenario.constraints
    for side, limits in (("max", c.max), ("min", c.min)):
        for column, limit in limits.items():
            out[_key(f"constraints.{side}.{column}")] = str(clean(limit))
    out["scoring.criteria"] = "; ".join(
        f"{cr.column}:{cr.direction}:{clean(cr.weight)}:{cr.scale}" for cr in analysis.criteria)
    out["candidates"] = str(len(analysis.table))
    if session.source.table_sha256:
        out["source.table_sha256"] = session.source.table_sha256
    return {k: v if len(v) <= MAX_PARAM_CHARS else v[: MAX_PARAM_CHARS - 3] + "..."
            for k, v in out.items()}


# The pick's figures logged as metrics: the canonical inputs, what the analysis derives.
PICK_FIGURES: tuple[str, ...] = (
    "accuracy", "latency_ms", "cost_per_1k", "maintainability", "fixed_monthly_usd",
    "one_time_usd", "monthly_cost_usd", "inference_monthly_usd", "cost_per_accuracy_point",
    "cost_per_1k_correct", "max_volume_per_day_in_budget", "score", "rank",
)


def decision_metrics(evaluation: Any, row: Any) -> dict[str, float]:
    """The pick's figures (accuracy, monthly_cost_usd, score, rank, ...), plus the size of
    the field: candidates, feasible candidates and the frontier."""
    analysis = evaluation.analysis
    out: dict[str, float] = {
        "candidates": float(len(analysis.table)),
        "feasible_candidates": float(analysis.table["feasible"].sum()),
        "frontier_size": float(len(analysis.frontier)),
    }
    if row is not None:
        for column in PICK_FIGURES:
            if column in row.index:
                value = row[column]
                if isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and math.isfinite(float(value)):
                    out[column] = float(value)
    rec = analysis.recommendation
    if rec is not None and rec.score_gap is not None and math.isfinite(rec.score_gap):
        out["score_gap"] = float(rec.score_gap)
    return out


def decision_tags(session: Any, session_path: Path, evaluation: Any, pick: str | None,
                  row: Any) -> dict[str, str]:
    from workbench import __version__
    from workbench.loading import file_sha256

    analysis = evaluation.analysis
    rec = analysis.recommendation
    tags = {
        "workbench.version": __version__,
        "workbench.session": session_path.name,
        "workbench.session_sha256": file_sha256(session_path),
        "workbench.recommended": rec.name if rec else "none",
    }
    if session.decision.chosen:
        tags["workbench.chosen"] = session.decision.chosen
    if pick is not None:
        tags["workbench.pick"] = pick
    if row is not None and "mlflow" in session.source.tracker:
        for column, tag in (("run_id", "workbench.pick_run_id"),
                            ("model_version", "workbench.pick_model_version")):
            value = row.get(column)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                tags[tag] = str(int(value)) if isinstance(value, float) else str(value)
    # MLflow shows this tag as the run's description.
    tags["mlflow.note.content"] = (
        f"{rec.name}: {rec.reason}" if rec else
        f"No recommendation: {analysis.no_recommendation_reason}")
    return tags


def _key(text: str) -> str:
    """An MLflow key: letters, digits, and _ - . / and space; anything else becomes _."""
    return "".join(ch if ch.isalnum() or ch in "_-./ " else "_" for ch in text)


__all__ = ["ImportResult", "Logged", "check_uri", "decision_metrics", "decision_params",
           "import_registry", "import_runs", "log_decision", "read_sqlite_runs", "sqlite_path"]
