"""The Python API for notebooks and scripts: `import workbench as wb`.

    table = wb.load("sample_data/imagenet_5.csv")          # or a pandas/polars DataFrame
    result = wb.analyze(table, volume_per_day=1_000_000, budget=100,
                        weights={"accuracy": 0.6, "cost": 0.4})
    result.recommendation.name, result.frontier, result.table   # a pandas DataFrame
    result.to_json(); result.memo(); result.save("sessions/imagenet.toml")

`analyze` returns the same `Evaluation` the CLI and the TUI format (the analysis plus
the routing run), so a notebook sees exactly the figures the memo states. In Jupyter
it renders itself: the recommendation, the frontier and the ranked table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import fields
from workbench.errors import InputError
from workbench.evaluation import Evaluation, evaluate
from workbench.model import Criterion, Direction, Scale, Scenario, Session, Source

# analyze() keyword -> field path in workbench.fields (the CLI flag names, in Python).
_KEYWORDS: dict[str, str] = {
    "volume_per_day": "workload.volume_per_day",
    "days_per_month": "workload.days_per_month",
    "horizon_months": "workload.horizon_months",
    "budget": "constraints.monthly_budget_usd",
    "monthly_budget_usd": "constraints.monthly_budget_usd",
    "max_latency_ms": "constraints.max_latency_ms",
    "min_accuracy": "constraints.min_accuracy",
    "normalization": "scoring.normalization",
    "baseline": "whatif.baseline",
    "error_cost": "whatif.error_cost_usd",
    "error_cost_usd": "whatif.error_cost_usd",
    "volume_multipliers": "whatif.volume_multipliers",
    "title": "title",
}


@dataclass(frozen=True)
class Loaded(Session):
    """A session as `load` made it, with what the loader inferred (units converted,
    headers matched) in `load_notes`."""

    load_notes: tuple[str, ...] = ()

    __hash__ = None


def load(source: Any, mapping: Mapping[str, str] | None = None) -> Session:
    """A candidate table as a session: from a file (CSV, TSV, JSON, Parquet, or a session
    TOML) or a pandas or polars DataFrame, with headers matched and values checked
    exactly as the CLI does. `mapping` says which header holds a column
    ({"accuracy": "Top-1 (%)"}). What was inferred is in `.load_notes`."""
    if isinstance(source, Session):
        return source
    if isinstance(source, (str, Path)):
        from workbench.inputs import open_path

        session, notes = open_path(source, dict(mapping) if mapping else None)
        return Loaded(**{f.name: getattr(session, f.name) for f in dc_fields(Session)},
                      load_notes=tuple(notes))
    frame = _to_pandas(source)
    from workbench.loading import canonicalize
    from workbench.provenance import table_digest

    table, notes, used = canonicalize(frame, "<DataFrame>", dict(mapping) if mapping else None)
    return Loaded(Scenario(table), title="Untitled decision",
                  source=Source(mapping=used, table_sha256=table_digest(table)),
                  load_notes=tuple(notes))


def _to_pandas(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    to_pandas = getattr(source, "to_pandas", None)  # polars, pyarrow
    if callable(to_pandas):
        frame = to_pandas()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise InputError(
        f"cannot load a {type(source).__name__}: give a file path or a pandas or polars "
        "DataFrame"
    )


def analyze(
    table: Any,
    *,
    weights: Mapping[str, float | tuple[Any, ...]] | None = None,
    max: Mapping[str, float] | None = None,  # noqa: A002 - the CLI's --max
    min: Mapping[str, float] | None = None,  # noqa: A002 - the CLI's --min
    base_dir: str | Path | None = None,
    **settings: Any,
) -> Result:
    """Analyse a table (a path, a DataFrame or a session from `load`).

    Settings are the CLI's flags as keywords: volume_per_day, days_per_month,
    horizon_months, budget, max_latency_ms, min_accuracy, normalization, baseline,
    error_cost, volume_multipliers, title. `weights` maps a column to a weight, or to
    (weight, "max"|"min"[, "linear"|"log10"]); `max`/`min` limit other columns. Values are
    checked as in a session file; a bad one raises InputError naming it.
    """
    session = load(table)
    for key, value in settings.items():
        if key not in _KEYWORDS:
            raise InputError(
                f"unknown setting {key!r}; known: {', '.join(sorted(_KEYWORDS))}"
            )
        f = fields.field(_KEYWORDS[key])
        if f.kind == "numbers" and value is not None:
            value = tuple(float(v) for v in value)
        elif f.kind == "number" and value is not None:
            value = float(value)
        session = f.set(session, value)
    if weights:
        session = session.with_scenario(scoring=replace(
            session.scenario.scoring, criteria=tuple(_criterion(c, w) for c, w in weights.items())))
    if max or min:
        c = session.scenario.constraints
        session = session.with_scenario(constraints=replace(
            c, max={**c.max, **dict(max or {})}, min={**c.min, **dict(min or {})}))
    notes = list(getattr(session, "load_notes", ()))
    return Result.of(evaluate(session, Path(base_dir) if base_dir else None), notes)


def _criterion(column: str, spec: float | tuple[Any, ...]) -> Criterion:
    from workbench.columns import default_direction

    parts = spec if isinstance(spec, tuple) else (spec,)
    weight = float(parts[0])
    # A caller's direction and scale pass through unchecked here: the analysis rejects
    # any but max/min and linear/log10 with an InputError naming the criterion.
    direction: Direction = parts[1] if len(parts) > 1 else default_direction(column)
    scale: Scale = parts[2] if len(parts) > 2 else "linear"
    return Criterion(column, direction, weight, scale)


class Result(Evaluation):
    """An `Evaluation` with the conveniences a notebook wants."""

    loader_notes: list[str]

    @classmethod
    def of(cls, evaluation: Evaluation, notes: list[str]) -> Result:
        result = cls(**{f.name: getattr(evaluation, f.name) for f in dc_fields(Evaluation)})
        result.loader_notes = list(notes)
        return result

    # ---- the figures
    @property
    def table(self) -> pd.DataFrame:
        """Every candidate in rank order with derived figures (a pandas DataFrame)."""
        return self.analysis.table

    @property
    def frontier(self) -> list[str]:
        return list(self.analysis.frontier)

    @property
    def recommendation(self) -> Any:
        return self.analysis.recommendation

    # ---- outputs
    def to_json(self) -> str:
        from workbench.views.export import to_json

        return to_json(self.analysis, self.loader_notes, evaluation=self)

    def to_dict(self) -> dict[str, Any]:
        from workbench.views.export import to_dict

        return to_dict(self.analysis, self.loader_notes, evaluation=self)

    def memo(self) -> str:
        from workbench.views.memo import render_memo

        return render_memo(self.session, notes=self.loader_notes, evaluation=self)

    def save(self, path: str | Path) -> Path:
        """Save the inputs as a session (a decision record); returns the path."""
        from workbench.evaluation import for_record
        from workbench.session import save_session

        save_session(for_record(self.session, self.analysis), Path(path))
        return Path(path)

    # ---- Jupyter
    def _repr_markdown_(self) -> str:
        from workbench.views.export import candidates_md, md_escape

        a = self.analysis
        rec = a.recommendation
        head = (f"**Recommendation: {md_escape(rec.name)}**: {md_escape(rec.reason)}"
                if rec else f"**No recommendation:** {md_escape(a.no_recommendation_reason)}")
        frontier = ", ".join(md_escape(n) for n in a.frontier[:20])
        return f"{head}\n\n**Frontier:** {frontier}\n\n{candidates_md(a, 20)}\n"

    def _repr_html_(self) -> str:
        import html

        a = self.analysis
        rec = a.recommendation
        head = (f"<p><b>Recommendation: {html.escape(rec.name)}</b>: {html.escape(rec.reason)}</p>"
                if rec else
                f"<p><b>No recommendation:</b> {html.escape(a.no_recommendation_reason or '')}</p>")
        frontier = ", ".join(html.escape(n) for n in a.frontier[:20])
        shown = a.table.head(20)[[c for c in (
            "rank", "name", "accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd",
            "pareto", "feasible", "score") if c in a.table.columns]]
        return f"{head}<p><b>Frontier:</b> {frontier}</p>" + shown.to_html(
            index=False, escape=True, float_format=lambda v: f"{v:,.4g}")

    def __repr__(self) -> str:
        rec = self.analysis.recommendation
        pick = rec.name if rec else "none"
        return f"<workbench result: {len(self.analysis.table)} candidates, pick {pick!r}>"


__all__ = ["Loaded", "Result", "analyze", "load"]
