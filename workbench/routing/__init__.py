"""Cost-aware routing between a cheap model and an expensive one (``workbench route``).

Replays historical predictions through a confidence-threshold policy and finds
the cheapest threshold that keeps a target accuracy, with a Wilson lower bound
for the statistical margin. Kept light on import: numpy, pyarrow and duckdb load
only when ``simulate`` runs.
"""

from __future__ import annotations

from pathlib import Path

from workbench.routing.result import CurvePoint, PolicyFigures, RoutingResult
from workbench.routing.spec import RoutingSpec

__all__ = ["CurvePoint", "PolicyFigures", "RoutingResult", "RoutingSpec", "simulate"]


def simulate(spec: RoutingSpec, base_dir: Path | None = None) -> RoutingResult:
    """Run the routing simulation a spec describes.

    Relative ``spec.log`` / ``spec.bins`` paths resolve against ``base_dir``
    (e.g. the session file's folder), else the working directory. Bad input
    raises ``workbench.errors.InputError``.
    """
    from workbench.routing.engine import build_result, load_curve

    spec.validate()
    spec.require_costs()
    return build_result(spec, load_curve(spec, base_dir))
