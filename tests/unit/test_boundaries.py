"""The engine never imports the UI toolkits: one engine, many views."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINE_MODULES = [
    "workbench.analysis", "workbench.columns", "workbench.costs", "workbench.errors",
    "workbench.export", "workbench.frontier", "workbench.inputs", "workbench.loading",
    "workbench.model", "workbench.options", "workbench.scoring", "workbench.atomic",
]
OPTIONAL_ENGINE = ["workbench.session_io", "workbench.memo", "workbench.charts",
                   "workbench.diff", "workbench.tco", "workbench.routing"]


@pytest.mark.parametrize("module", ENGINE_MODULES + OPTIONAL_ENGINE)
def test_engine_module_imports_no_ui(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode != 0 and "ModuleNotFoundError" in result.stderr and module in OPTIONAL_ENGINE:
        pytest.fail(f"{module} is missing: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
