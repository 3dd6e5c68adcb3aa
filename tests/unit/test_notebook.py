"""The example notebook runs top to bottom (nbclient) and shows the engine's figures."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import workbench as wb

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "imagenet_decision.ipynb"


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        data = out.get("data", {})
        parts.append(data.get("text/markdown", "") + data.get("text/plain", ""))
    return "".join(parts)


def test_the_notebook_runs_and_agrees_with_the_engine() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not any(o.get("output_type") == "error" for o in c.get("outputs", [])) for c in code)
    expected = wb.analyze(ROOT / "sample_data" / "imagenet_5.csv", volume_per_day=1_000_000,
                          budget=100, min_accuracy=80,
                          weights={"accuracy": 0.5, "cost": 0.3, "latency_ms": 0.2})
    pick = expected.recommendation.name
    # The rich rendering of the result (markdown) names the pick and the frontier.
    rendered = _text(code[1])
    assert f"**Recommendation: {pick}**" in rendered
    printed = _text(code[3]).splitlines()
    assert printed[0] == pick
    assert printed[1] == json.dumps(expected.frontier).replace('"', "'")
    assert "# ImageNet classifier for the photo service" in _text(code[5])
    assert "imagenet.toml True" in _text(code[5])
