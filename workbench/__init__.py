"""workbench: a terminal decision workbench for cost-aware ML model selection.

The Python API (`workbench.api`) is reachable from here without importing pandas at
`import workbench` time:

    import workbench as wb
    result = wb.analyze(wb.load("table.csv"), volume_per_day=1e6, budget=100)
"""

from typing import Any

__version__ = "0.1.0"

_API = ("analyze", "load", "Loaded", "Result")


def __getattr__(name: str) -> Any:
    # Lazy: the CLI and the TUI import workbench first and must start fast.
    if name in _API:
        from workbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


__all__ = ["__version__", *_API]
