"""Weights & Biases: a runs-table CSV export, or a project through the public API.

The CSV is what the W&B UI's runs table exports ("Export as CSV"): one row per run, the
run's own columns (Name, State, Notes, User, Tags, Created, Runtime, Sweep, and ID when
shown), then one column per config key and per summary key, both under their bare key
("lr", "val_acc", "optimizer.momentum"). The API gives the same runs with config and
summary apart, so their keys are "config.lr" and "summary.val_acc"; a bare --map key
finds whichever of the two has it.

W&B's own bookkeeping is left out: summary keys starting with "_" (_runtime, _step,
_timestamp, _wandb) and media summaries ({"_type": "histogram", ...}). The run's own
columns are not candidate columns, but --map and --name-from may name them. Nothing is
read as a column because it resembles one: W&B's Runtime (seconds of training) is not
a latency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.fmt import clip
from workbench.integrations.runs import Imported, Run, find_key, runs_table

EXTRA = "wandb"
# The runs table's own columns in an export (as the UI writes them).
RUN_COLUMNS: tuple[str, ...] = ("Name", "State", "Notes", "User", "Tags", "Created",
                                "Runtime", "Sweep", "ID", "Run ID", "Group", "Job Type",
                                "Hostname", "GPU", "Commit")
STATE_HINT = "keep finished runs only with --state finished"
# Runs per GraphQL page: few requests for a big project, small enough to stay fast.
PER_PAGE = 500


@dataclass
class WandbImport:
    imported: Imported
    info: dict[str, str | int]  # the [source.wandb] record
    notes: list[str] = field(default_factory=list)


def _internal(key: str) -> bool:
    return key.startswith("_")


def _states(states: Sequence[str] | None) -> set[str] | None:
    return {s.strip().lower() for s in states} if states else None


def import_csv(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    name_from: str = "Name",
    states: Sequence[str] | None = None,
) -> tuple[WandbImport, str]:
    """(the export's runs as candidates, sha256 of the file). Read by the table reader
    every CSV goes through (encodings, delimiters, ragged rows are its checks)."""
    from workbench.loading import read_raw

    path = Path(path)
    label = str(path)
    raw, digest = read_raw(path)
    headers = [str(h) for h in raw.columns]
    if name_from not in headers:
        hint = " (is this a W&B runs-table export?)" if name_from == "Name" else ""
        raise InputError(f"--name-from {name_from!r}: no such column{hint}; columns: "
                         + ", ".join(repr(h) for h in headers[:30]), source=label)
    id_column = next((c for c in ("ID", "Run ID") if c in headers), None)
    keep = _states(states)
    if keep is not None and "State" not in headers:
        raise InputError("--state: the export has no State column", source=label)
    records = raw.to_dict(orient="records")
    runs: list[Run] = []
    for i, rec in enumerate(records, start=1):
        state = rec.get("State")
        if keep is not None and str(state).strip().lower() not in keep:
            continue
        run_id = str(rec[id_column]).strip() if id_column and str(rec[id_column]).strip() \
            else f"row {i}"
        # Headers are text (read_raw reads a header row); str() tells the type checker.
        values = {str(h): v for h, v in rec.items()
                  if str(h) not in RUN_COLUMNS and not _internal(str(h))}
        hidden = {h: rec[h] for h in headers if h in RUN_COLUMNS}
        name = rec.get(name_from)
        runs.append(Run(run_id=run_id, name=None if name is None else str(name).strip(),
                        state=None if state is None else str(state), values=values,
                        hidden=hidden, columns={"run_id": run_id} if id_column else {}))
    if not runs:
        raise InputError(f"no runs in state {', '.join(sorted(keep or ()))}", source=label)
    imported = runs_table(runs, label, mapping, state_hint=STATE_HINT)
    info: dict[str, str | int] = {"name_from": name_from}
    if keep:
        info["filter"] = "state in " + ", ".join(sorted(keep))
    return WandbImport(imported, info), digest


def import_project(
    project: str,
    *,
    mapping: Mapping[str, str] | None = None,
    name_from: str = "name",
    states: Sequence[str] | None = None,
    api: Any = None,
) -> WandbImport:
    """A project's runs through the W&B public API (`wandb.Api().runs`), oldest first.
    `api` is for tests: an object with the `runs` method of `wandb.Api`."""
    entity, slash, name = project.strip().partition("/")
    if not (slash and entity and name) or "/" in name:
        raise InputError(f"--wandb-project {project!r}: expected ENTITY/PROJECT")
    label = f"W&B project {entity}/{name}"
    keep = _states(states)
    if api is None:
        api = _api()
    filters = {"state": {"$in": sorted(keep)}} if keep else None
    try:
        found = api.runs(f"{entity}/{name}", filters=filters, per_page=PER_PAGE, lazy=False)
        runs = [_run(r, name_from) for r in found]
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, auth and GraphQL errors alike
        text = " ".join(str(exc).split()) or type(exc).__name__
        if "could not find project" in text.lower():
            raise InputError(f"no such W&B project {entity}/{name} (or no access to it)") from None
        raise InputError(f"cannot read {label}: {clip(text, 300)}") from None
    if not runs:
        which = f" in state {', '.join(sorted(keep))}" if keep else ""
        raise InputError(f"no runs{which}", source=label)
    keys = list(dict.fromkeys(k for r in runs for k in (*r.values, *r.hidden)))
    resolved = {c: find_key(k, keys, f"--map {c}={k}", label) or k
                for c, k in (mapping or {}).items()}
    imported = runs_table(runs, label, resolved, state_hint=STATE_HINT)
    info: dict[str, str | int] = {"project": f"{entity}/{name}", "name_from": name_from}
    if keep:
        info["filter"] = "state in " + ", ".join(sorted(keep))
    return WandbImport(imported, info)


def _api() -> Any:
    from workbench.integrations import require

    wandb = require("wandb", EXTRA)
    try:
        return wandb.Api(timeout=30)
    except Exception as exc:  # noqa: BLE001 - wandb raises its own UsageError types
        text = " ".join(str(exc).split())
        if "auth" in text.lower() or "login" in text.lower() or "api key" in text.lower():
            raise InputError("W&B: not logged in: run `wandb login` or set WANDB_API_KEY") from None
        raise InputError(f"W&B: cannot start the API client: {clip(text, 300)}") from None


def _run(run: Any, name_from: str) -> Run:
    """A `wandb.apis.public.Run` as a `Run`: config.* and summary.* keys."""
    values: dict[str, Any] = {}
    for key, value in _flat(dict(run.summary_metrics or {})).items():
        values[f"summary.{key}"] = value
    for key, value in _flat(dict(run.config or {})).items():
        values[f"config.{key}"] = value
    tags = list(getattr(run, "tags", None) or [])
    hidden: dict[str, Any] = {
        "name": run.name, "id": run.id, "state": run.state,
        "tags": ", ".join(str(t) for t in tags) if tags else None,
        "group": getattr(run, "group", None), "job_type": getattr(run, "job_type", None)}
    # A run without the key gets no name: the table check then names every such run.
    found = find_key(name_from, [*values, *hidden], f"--name-from {name_from}", "W&B")
    name: Any = None if found is None else values.get(found, hidden.get(found))
    return Run(run_id=str(run.id), name=None if name is None else str(name), state=run.state,
               values=values, hidden=hidden, columns={"run_id": str(run.id)})


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config/summary dicts as dotted keys; W&B's own "_" keys and media left out."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        key = str(key)
        if _internal(key):
            continue
        if isinstance(value, Mapping):
            if "_type" in value:  # a histogram, image, table...: not a number
                continue
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


__all__ = ["RUN_COLUMNS", "WandbImport", "import_csv", "import_project"]
