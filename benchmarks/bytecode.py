"""Byte-compile the workbench package before a whole-process benchmark.

`pip install .` compiles a package's modules when it installs them; an editable install
(`pip install -e .`, as in the README) leaves that to the first process that imports
them, and where PYTHONDONTWRITEBYTECODE is set (it is on the reference machine) no
process ever writes the bytecode: every run would compile every workbench module from
source, ~0.1 s that neither the yardsticks (numpy, pandas, textual: compiled at
install) nor an installed workbench pay. The benchmarks compile it once, as pip would.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


def compile_workbench() -> None:
    compileall.compile_dir(str(PACKAGE), quiet=1)
