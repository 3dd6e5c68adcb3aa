"""Experiment trackers and pipelines: MLflow, Weights & Biases, Kubeflow Pipelines.

Each tracker is an optional extra (`pip install 'workbench[mlflow]'`, `[wandb]`,
`[kfp]`), so nothing here is imported by `import workbench`, the CLI's start-up or the
TUI: the tracker libraries are imported inside the functions that use them, through
`require`, which turns a missing library into an InputError that says what to install.

- `runs`: tracker runs -> a candidate table, through the same loader checks as a CSV
  (`workbench.loading.canonicalize`); shared by every importer.
- `mlflow_io`: import runs or registered model versions; log a decision back as a run.
- `wandb_io`: import a W&B runs-table CSV export, or a project through the public API.
- `kfp_components`: Kubeflow Pipelines v2 components and an example pipeline.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from workbench.errors import InputError


def require(module: str, extra: str) -> ModuleType:
    """`import module`, or an InputError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise InputError(
            f"this needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'workbench[{extra}]' ({exc})"
        ) from None


__all__ = ["require"]
