"""The engine never imports the UI toolkits: one engine, many views."""

from __future__ import annotations

import json
import subprocess
import sys

ENGINE_MODULES = [
    "workbench.errors", "workbench.model", "workbench.columns", "workbench.loading",
    "workbench.costs", "workbench.frontier", "workbench.scoring", "workbench.analysis",
    "workbench.views.export", "workbench.inputs", "workbench.cli.options", "workbench.atomic",
    "workbench.session", "workbench.views.diff", "workbench.tco", "workbench.views.charts",
    "workbench.views.memo", "workbench.routing", "workbench.routing.spec", "workbench.routing.sweep",
    "workbench.routing.report", "workbench.integrations", "workbench.integrations.runs",
    "workbench.integrations.mlflow_io", "workbench.integrations.wandb_io",
]

# Imported one by one in a fresh interpreter; after each import the UI toolkits must
# still be absent, so the first module that drags one in is the one named.
PROBE = """
import importlib, json, sys
culprits = {}
for name in sys.argv[1:]:
    importlib.import_module(name)
    bad = [m for m in ("textual", "rich") if m in sys.modules]
    if bad and not culprits:
        culprits[name] = bad
print(json.dumps(culprits))
"""


def test_engine_modules_import_no_ui() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *ENGINE_MODULES], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}
