"""Package namespaces that import their modules on first use (PEP 562).

`workbench.pricing` and `workbench.routing` re-export what their modules define.
Importing all of those modules with the package made every command pay for all of them
at start-up (the CLI's parser imports a module of each package for its flags): a name
now imports its module when it is first read. Type checkers still see the names: each
package lists them under `if TYPE_CHECKING:` as well. (`workbench.robustness` stays
eager: its function `smaa` shares its name with a module, and a lazy namespace would
hand out the module once something imported it.)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


class Exports:
    """The `__getattr__` of `package`: each name of `names[module]` comes from
    `package.module`, imported on first use and then kept in the package's namespace.
    `sources` maps each name to its module (the tests read it)."""

    def __init__(self, package: str, names: Mapping[str, tuple[str, ...]]) -> None:
        self.package = package
        self.sources = {name: module for module, listed in names.items() for name in listed}

    def __call__(self, name: str) -> Any:
        module = self.sources.get(name)
        if module is None:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{self.package}.{module}"), name)
        setattr(importlib.import_module(self.package), name, value)
        return value
