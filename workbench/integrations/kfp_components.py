"""Kubeflow Pipelines v2 components for workbench, and an example pipeline.

- `import_mlflow_runs`: an MLflow experiment's runs -> a session (a Dataset artifact);
- `analyze`: a candidate table or a session (Dataset) + the scenario parameters -> the
  session, the decision memo (Markdown), the JSON analysis and a Metrics artifact with
  the pick's figures;
- `log_to_mlflow`: a session -> an MLflow run (returns its id);
- `decision_pipeline`: the three in a row (`make_pipeline` builds it over other
  components); `examples/kfp_pipeline.py` compiles it.

Each component is a lightweight Python component whose body calls the workbench CLI
(`workbench.cli.main`), so a pipeline step accepts exactly what the command line does
and fails with the same one-line message. The steps install `PACKAGES` into
`BASE_IMAGE` when they start; build them against your own image (with workbench
installed) with `components(image=..., packages=[])`.

Needs: pip install 'workbench[kfp]' (only where the pipeline is compiled).
"""

# No `from __future__ import annotations`: KFP reads the components' annotations as
# objects (Input[Dataset], Optional[float]) to build their interfaces.
from typing import Any, Optional

from workbench import __version__
from workbench.integrations import require

kfp = require("kfp", "kfp")
from kfp import dsl  # noqa: E402
from kfp.dsl import Artifact, Dataset, Input, Markdown, Metrics, Output  # noqa: E402

BASE_IMAGE = "python:3.11-slim"
PACKAGES = [f"workbench[mlflow]=={__version__}"]


def _analyze(
    table: Input[Dataset],
    session: Output[Artifact],
    memo: Output[Markdown],
    analysis: Output[Artifact],
    metrics: Output[Metrics],
    table_format: str = "csv",
    volume_per_day: Optional[float] = None,
    budget: Optional[float] = None,
    max_latency_ms: Optional[float] = None,
    min_accuracy: Optional[float] = None,
    weights: str = "",
    baseline: str = "",
    title: str = "",
) -> None:
    """`workbench analyze` on the table (csv, tsv, json, parquet, or a session: toml),
    then `workbench report`. weights: "accuracy=0.5,cost=0.3:min" (the --weight syntax,
    comma-separated). The metrics are the pick's: accuracy, latency, costs, score, rank."""
    import json
    import shutil
    import tempfile
    from pathlib import Path

    from workbench.cli import main

    work = Path(tempfile.mkdtemp(prefix="workbench-"))
    source = work / f"input.{table_format.lstrip('.')}"
    shutil.copyfile(table.path, source)
    saved, out_json, out_memo = work / "session.toml", work / "analysis.json", work / "memo.md"
    argv = ["analyze", str(source), "--save", str(saved), "--format", "json", "-o", str(out_json)]
    for flag, value in (("--volume-per-day", volume_per_day), ("--budget", budget),
                        ("--max-latency-ms", max_latency_ms), ("--min-accuracy", min_accuracy)):
        if value is not None:
            argv += [flag, repr(float(value))]
    for weight in (w.strip() for w in weights.split(",")):
        if weight:
            argv += ["--weight", weight]
    if baseline:
        argv += ["--baseline", baseline]
    if title:
        argv += ["--title", title]
    if main(argv) != 0:
        raise RuntimeError("workbench analyze failed: see the message above")
    if main(["report", str(saved), "-o", str(out_memo)]) != 0:
        raise RuntimeError("workbench report failed: see the message above")
    for produced, artifact in ((saved, session), (out_memo, memo), (out_json, analysis)):
        Path(artifact.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, artifact.path)
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    metrics.log_metric("candidates", float(len(doc["candidates"])))
    metrics.log_metric("frontier_size", float(len(doc["frontier"])))
    rec = doc["recommendation"]
    if rec is not None:
        pick = next(c for c in doc["candidates"] if c["name"] == rec["name"])
        for key in ("accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd",
                    "cost_per_accuracy_point", "score", "rank"):
            value = pick.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics.log_metric(key, float(value))
        session.metadata["pick"] = rec["name"]
        memo.metadata["pick"] = rec["name"]


def _import_mlflow_runs(
    tracking_uri: str,
    experiment: str,
    candidates: Output[Dataset],
    maps: str = "",
    filter_string: str = "",
    name_from: str = "run_name",
) -> None:
    """`workbench import mlflow`: the experiment's runs as a session (TOML) with where
    they came from. maps: "accuracy=metrics.val_acc,latency_ms=metrics.p95_ms"."""
    import shutil
    import tempfile
    from pathlib import Path

    from workbench.cli import main

    saved = Path(tempfile.mkdtemp(prefix="workbench-")) / "candidates.toml"
    argv = ["import", "mlflow", "--tracking-uri", tracking_uri, "--experiment", experiment,
            "--name-from", name_from, "--save", str(saved)]
    for item in (m.strip() for m in maps.split(",")):
        if item:
            argv += ["--map", item]
    if filter_string:
        argv += ["--filter", filter_string]
    if main(argv) != 0:
        raise RuntimeError("workbench import mlflow failed: see the message above")
    Path(candidates.path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, candidates.path)
    candidates.metadata["format"] = "toml"


def _log_to_mlflow(
    session: Input[Artifact],
    tracking_uri: str = "",
    experiment: str = "",
    set_alias: str = "",
) -> str:
    """`workbench log mlflow`: the decision as an MLflow run; returns the run's id. Empty
    tracking_uri/experiment: the ones the session was imported from."""
    import contextlib
    import io
    import shutil
    import tempfile
    from pathlib import Path

    from workbench.cli import main

    record = Path(tempfile.mkdtemp(prefix="workbench-")) / "decision.toml"
    shutil.copyfile(session.path, record)
    argv = ["log", "mlflow", str(record)]
    for flag, value in (("--tracking-uri", tracking_uri), ("--experiment", experiment),
                        ("--set-alias", set_alias)):
        if value:
            argv += [flag, value]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(argv)
    if code != 0:
        raise RuntimeError("workbench log mlflow failed: see the message above")
    return printed.getvalue().strip()


def components(image: str = BASE_IMAGE, packages: Optional[list[str]] = None) -> dict[str, Any]:
    """The three components built for `image`, installing `packages` at start-up."""
    wanted = PACKAGES if packages is None else packages

    def build(func: Any) -> Any:
        return dsl.component(func, base_image=image, packages_to_install=list(wanted))

    return {"import_mlflow_runs": build(_import_mlflow_runs), "analyze": build(_analyze),
            "log_to_mlflow": build(_log_to_mlflow)}


_BUILT = components()
import_mlflow_runs = _BUILT["import_mlflow_runs"]
analyze = _BUILT["analyze"]
log_to_mlflow = _BUILT["log_to_mlflow"]


def make_pipeline(steps: dict[str, Any]) -> Any:
    """The example pipeline over `steps` (from `components`): import, analyse, log."""

    # kfp ships no type information (ignore_missing_imports in pyproject.toml), so its
    # decorator is untyped; the pipeline function below is typed for KFP, not for mypy.
    @dsl.pipeline(  # type: ignore[untyped-decorator]
        name="workbench-decision",
        description="Import candidates from MLflow, analyse them, log the decision back.")
    def decision_pipeline(
        tracking_uri: str,
        experiment: str,
        maps: str = "",
        filter_string: str = "",
        volume_per_day: float = 1_000_000.0,
        budget: Optional[float] = None,
        max_latency_ms: Optional[float] = None,
        weights: str = "",
        decisions_experiment: str = "model-decisions",
    ) -> None:
        imported = steps["import_mlflow_runs"](tracking_uri=tracking_uri, experiment=experiment,
                                               maps=maps, filter_string=filter_string)
        # The tracker changes between runs of the pipeline: a cached import would analyse
        # last week's runs, and a cached log would record nothing. The analysis is a pure
        # function of its inputs, so it may be cached.
        imported.set_caching_options(False)
        analysed = steps["analyze"](table=imported.outputs["candidates"], table_format="toml",
                                    volume_per_day=volume_per_day, budget=budget,
                                    max_latency_ms=max_latency_ms, weights=weights)
        logged = steps["log_to_mlflow"](session=analysed.outputs["session"],
                                        tracking_uri=tracking_uri,
                                        experiment=decisions_experiment)
        logged.set_caching_options(False)

    return decision_pipeline


decision_pipeline = make_pipeline(_BUILT)


__all__ = ["BASE_IMAGE", "PACKAGES", "analyze", "components", "decision_pipeline",
           "import_mlflow_runs", "log_to_mlflow", "make_pipeline"]
