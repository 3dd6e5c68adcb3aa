"""Packages that load their modules on first use (workbench/lazy.py): every exported
name resolves to its module's object, and the CLI starts without the modules it does
not need for a plain table."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

LAZY = ("workbench.pricing", "workbench.routing")


@pytest.mark.parametrize("package", LAZY)
def test_every_exported_name_resolves_to_its_modules_object(package: str) -> None:
    pkg = importlib.import_module(package)
    for name in pkg.__all__:
        value = getattr(pkg, name)
        owner = importlib.import_module(value.__module__) if hasattr(value, "__module__") \
            else pkg
        assert getattr(owner, name, value) is value, name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        pkg.nothing_here  # noqa: B018


def test_the_cli_parser_loads_no_price_catalogue_and_no_routing_result() -> None:
    code = (
        "import importlib, json, sys\n"
        "importlib.import_module('workbench.cli.main')\n"
        "sys.modules['workbench.cli.main']._parser()\n"
        "names = [m for m in sys.modules if m.startswith('workbench.')]\n"
        "print(json.dumps(sorted(names)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(json.loads(out))
    assert {"workbench.pricing.listing", "workbench.routing.spec"} <= loaded
    assert not loaded & {"workbench.pricing.questions", "workbench.pricing.resolve",
                         "workbench.pricing.llm_catalogue", "workbench.pricing.catalogue",
                         "workbench.routing.result"}
