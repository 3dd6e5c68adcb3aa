"""The architecture holds: one engine, many views.

Two checks: the import-linter contracts in pyproject.toml (engine never imports a UI
toolkit, the TUI or the CLI; the session format never imports the analysis; routing
never imports the CLI), and an import of every engine module, found by walking the
package (not a hand-kept list), in a fresh interpreter where textual and rich must stay
absent.
"""

from __future__ import annotations

import json
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import workbench

ROOT = Path(__file__).resolve().parents[2]
# Views of the terminal: the only places allowed to import textual or rich.
UI_PACKAGES = ("workbench.tui", "workbench.cli")


def engine_modules() -> list[str]:
    names = [
        info.name for info in pkgutil.walk_packages(workbench.__path__, "workbench.")
        if not info.name.startswith(UI_PACKAGES) and info.name != "workbench.__main__"
    ]
    return sorted(names)


# Imported one by one in a fresh interpreter; after each import the UI toolkits must
# still be absent, so the first module that drags one in is the one named.
PROBE = """
import importlib, json, sys
from workbench.errors import InputError
culprits, needs_extra = {}, []
for name in sys.argv[1:]:
    # Optional extras (mlflow, plotly...) are imported inside functions, so a module
    # imports without them; the KFP components module needs kfp at import (its
    # decorators build the components) and says so with the extra to install.
    try:
        importlib.import_module(name)
    except InputError as exc:
        if "is not installed" not in str(exc):
            raise
        needs_extra.append(name)
        continue
    bad = [m for m in ("textual", "rich") if m in sys.modules]
    if bad and not culprits:
        culprits[name] = bad
print(json.dumps({"culprits": culprits, "needs_extra": needs_extra}))
"""


def test_the_walk_finds_the_engine() -> None:
    found = engine_modules()
    for name in ("workbench.analysis", "workbench.session.toml_v1", "workbench.views.memo",
                 "workbench.routing.sweep", "workbench.fields", "workbench.api"):
        assert name in found
    assert not any(n.startswith(UI_PACKAGES) for n in found)


def test_the_contract_lists_every_engine_module() -> None:
    # A module or package missing from the contract's list may import the UI unnoticed by
    # lint-imports: the list must be exactly the engine's top level, as the walk finds it.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    engine = next(c for c in contracts if c["forbidden_modules"][:2] == ["textual", "rich"])
    top_level = {".".join(name.split(".")[:2]) for name in engine_modules()}
    assert sorted(engine["source_modules"]) == sorted(top_level)
    assert {"workbench.audit", "workbench.integrations", "workbench.pricing",
            "workbench.robustness"} <= top_level


def test_engine_modules_import_no_ui() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *engine_modules()], capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["culprits"] == {}
    # Only the module that builds KFP components may need its extra at import; on CI
    # (every extra installed) none may be left out of the check.
    assert set(found["needs_extra"]) <= {"workbench.integrations.kfp_components"}
    if os.environ.get("WORKBENCH_CI"):
        assert found["needs_extra"] == []


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports")
    assert lint, "import-linter is in the test extra: pip install -e '.[test]'"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout


def test_llm_price_lookup_imports_no_ui() -> None:
    # genai-prices ships a rich-based CLI of its own; a lookup must not pull it in.
    code = (
        "import sys\n"
        "from workbench.pricing.llm_catalogue import lookup_llm\n"
        "lookup_llm('gpt-4o-mini')\n"
        "print([m for m in ('textual', 'rich') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
