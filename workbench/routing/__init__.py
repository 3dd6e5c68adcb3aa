"""Cost-aware routing through a cascade of 2 to 4 models (``workbench route``).

Replays historical predictions (a binary label and scores, or any task's per-item
quality and confidence) through confidence-threshold policies, finds the policy the
objective asks for (accuracy or recall target, or lowest total cost), a "safe" policy
with a finite-sample guarantee (Learn-then-Test), held-out figures, RouteLLM's
metrics and a drift check. Kept light on import: numpy, pyarrow and duckdb load only
when ``simulate`` runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.lazy import Exports
from workbench.routing.spec import RoutingSpec

if TYPE_CHECKING:  # importing the model pulls in pandas, which `simulate` loads itself
    from workbench.model import Session
    from workbench.routing.result import CurvePoint, PolicyFigures, RoutingResult

# The CLI's parser imports routing.spec for its flags: the result types load with a result.
__getattr__ = Exports(__name__, {"result": ("CurvePoint", "PolicyFigures", "RoutingResult")})

__all__ = [
    "CurvePoint", "PolicyFigures", "RoutingResult", "RoutingSpec", "resolve_for_session",
    "simulate", "simulate_session",
]


def simulate(spec: RoutingSpec, base_dir: Path | None = None) -> RoutingResult:
    """Run the routing simulation a spec describes.

    Relative ``spec.log`` / ``spec.bins`` paths resolve against ``base_dir``
    (e.g. the session file's folder), else the working directory. Bad input
    raises ``workbench.errors.InputError``.
    """
    from workbench.routing.engine import simulate as run

    spec.validate()
    spec.require_costs()
    return run(spec, base_dir)


def resolve_for_session(spec: RoutingSpec, session: Session) -> RoutingSpec:
    """The spec as a session runs it: model names priced from its candidate table, and
    the workload's volume (the only volume a session has)."""
    from dataclasses import replace

    resolved = spec.with_models(session.scenario.candidates)
    workload = session.scenario.workload
    return replace(
        resolved, volume_per_day=workload.volume_per_day, days_per_month=workload.days_per_month
    )


def simulate_session(session: Session, base_dir: Path | None = None) -> RoutingResult:
    """Simulate a session's stored ``[routing]`` settings (the memo and the TUI use this)."""
    from workbench.errors import InputError

    if not session.routing:
        raise InputError("the session has no [routing] settings", key="routing")
    spec = RoutingSpec.from_dict(dict(session.routing))
    return simulate(resolve_for_session(spec, session), base_dir)
