"""Package namespaces that import their modules on first use (PEP 562).

`workbench.pricing`, `workbench.robustness` and `workbench.routing` re-export what their
modules define. Importing all of those modules with the package made every command pay
for all of them at start-up (the CLI's parser imports a module of each package for its
flags): a name now imports its module when it is first read. Type checkers still see the
names: each package lists them under `if TYPE_CHECKING:` as well.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """The `__getattr__` of `package`: each name of `names[module]` comes from
    `package.module`, imported on first use and then kept in the package's namespace."""
    where = {name: module for module, listed in names.items() for name in listed}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
