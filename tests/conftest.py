from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def retail_csv() -> Path:
    return SAMPLES / "retail_checkout.csv"


def require(module: str, extra: str | None = None) -> ModuleType:
    """Import an optional extra's library for a test module, or skip the module.

    Skipping is allowed only off CI: `.ci/run` installs every extra and sets
    WORKBENCH_CI=1, so there a missing library fails the run instead of hiding tests.
    `extra` names the extra when it differs from the module (pptx: deck).
    """
    extra = extra or module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("WORKBENCH_CI"):
            raise RuntimeError(
                f"{module} is missing although WORKBENCH_CI is set: the CI installs "
                f"every extra (pip install -e '.[{extra}]'): {exc}"
            ) from exc
        pytest.skip(f"{module} is not installed (pip install -e '.[{extra}]')",
                    allow_module_level=True)
