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
    sources = pkg.__getattr__.sources
    for name in pkg.__all__:
        value = getattr(pkg, name)
        if name in sources:  # the very object its module defines (constants too)
            module = importlib.import_module(f"{package}.{sources[name]}")
            assert vars(module)[name] is value, name
        else:  # defined in the package, or imported with it from one of its modules
            owner = value.__module__
            assert owner == package or owner.startswith(f"{package}."), name
            assert vars(importlib.import_module(owner))[name] is value, name
    assert set(sources) <= set(pkg.__all__)  # nothing lazy that the package does not list
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
