"""One evaluation of a decision record: a session goes in, everything it implies comes out.

`evaluate(session)` runs the analysis and, when the session has [routing], the routing
simulation, once; the memo, the CLI, the TUI panes and the Python API all format this
one object, so no figure is computed twice or differently in two views.

The workload's volume is the only volume: routing is priced at [workload]
volume_per_day and days_per_month (a [routing] volume is migrated or refused when the
session is read; see `workbench.session.toml_v1`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError, Note
from workbench.model import Session

if TYPE_CHECKING:
    from workbench.routing import RoutingResult


@dataclass
class Evaluation:
    session: Session
    analysis: Analysis
    # The routing simulation of [routing]; None when the session has none, or when it
    # could not run (a moved log): then `routing_error` says why and the rest stands.
    routing: RoutingResult | None = None
    routing_error: InputError | None = None
    notes: list[Note] = field(default_factory=list)


def evaluate(session: Session, base_dir: Path | None = None) -> Evaluation:
    """Analyse `session` and simulate its routing. `base_dir` is the folder relative
    paths in the session (the replay log) are read from: the session file's folder.

    Raises InputError for inputs the analysis cannot honour; a routing that cannot run
    is reported in `routing_error` instead, so one moved log never hides the decision.
    """
    analysis = analyze(session.scenario)
    routing: RoutingResult | None = None
    routing_error: InputError | None = None
    if session.routing:
        from workbench.routing import simulate_session

        try:
            routing = simulate_session(session, base_dir)
        except InputError as exc:
            routing_error = exc
    return Evaluation(session, analysis, routing, routing_error)
