"""Shared helpers of the audit tests: small hand-written logs, the sample generator, a
retail-like session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from workbench.model import Constraints, Decision, Monitoring, Scenario, Session, Workload

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
SESSIONS = ROOT / "sessions"


def generator() -> ModuleType:
    """sample_data/make_production_log.py, imported by path (sample_data is no package)."""
    name = "make_production_log"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def write_log(rows: list[dict[str, Any]], path: Path) -> Path:
    """A Parquet (or CSV, by suffix) log of hand-written rows."""
    frame = pd.DataFrame(rows)
    if "timestamp" in frame.columns:
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def session(*, volume: float = 1000.0, budget: float | None = 15_000.0,
            latency: float | None = 200.0, min_accuracy: float | None = None,
            monitoring: Monitoring | None = None, chosen: str | None = "edge",
            candidates: pd.DataFrame | None = None) -> Session:
    """Three detectors like the retail session's, with a cheap pick named "edge"."""
    frame = candidates if candidates is not None else pd.DataFrame({
        "name": pd.Series(["big", "mid", "edge"], dtype=object),
        "accuracy": [98.0, 95.0, 90.0],
        "latency_ms": [500.0, 100.0, 20.0],
        "cost_per_1k": [20.0, 5.0, 0.1],
    })
    return Session(
        Scenario(frame, workload=Workload(volume_per_day=volume),
                 constraints=Constraints(max_latency_ms=latency, monthly_budget_usd=budget,
                                         min_accuracy=min_accuracy)),
        title="Audit test", decision=Decision(chosen=chosen),
        monitoring=monitoring or Monitoring(),
    )
