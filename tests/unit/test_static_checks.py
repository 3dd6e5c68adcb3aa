"""ruff and mypy run with the tests (issue #9): the code stays lint-clean and type-checked.

Both read their configuration from pyproject.toml and check the package `workbench`:
ruff's rule set at 100 columns; mypy strict on the engine, with a relaxed override for
the TUI and the CLI (their bodies are still checked). Tests, benchmarks and examples are
not gated (they are checked by running them). A finding fails the
test with the tool's own report, so the fix starts from the message.

The tools come with the test extra (pinned there by major). They are run as modules of
this interpreter, so the venv that runs the tests is the one that is checked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-cache", "workbench")
    assert result.returncode == 0, f"ruff check workbench:\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing() -> None:
    # The package list comes from [tool.mypy] packages; the cache speeds up reruns.
    result = _run("mypy", "--cache-dir", str(ROOT / ".mypy_cache"))
    assert result.returncode == 0, f"mypy:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout
