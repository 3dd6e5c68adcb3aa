"""A user's own keys: `binding id = "keys"` in a TOML file, applied with `App.set_keymap`.

The file lives at `$XDG_CONFIG_HOME/workbench/keymap.toml` (else
`~/.config/workbench/keymap.toml`); `WORKBENCH_KEYMAP` names another file. Every
binding of the workbench has a stable id (`file.save`, `candidates.edit`, ...; the help
screen lists them with `?`), and a line such as

    "file.save" = "ctrl+s,f2"
    candidates.edit = "e,f4"      # dotted keys work too

gives that binding those keys instead of its own. A missing file is no keymap; a broken
one is reported (file, key, why) and ignored, never fatal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV = "WORKBENCH_KEYMAP"


def keymap_path() -> Path:
    """Where the keymap is read from (it need not exist)."""
    named = os.environ.get(ENV)
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "workbench" / "keymap.toml"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, Any]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = value


def read_keymap(path: Path, known: set[str]) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, problems). Unknown ids and non-text values are problems and
    left out; a file that cannot be read or parsed gives no keymap and one problem."""
    import tomllib

    from workbench.fmt import clip, printable

    if not path.exists():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {printable(clip(str(exc), 160))}"]
    flat: dict[str, Any] = {}
    _flatten("", data, flat)
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding, keys in flat.items():
        if binding not in known:
            problems.append(f"{path}: key {printable(binding)!r}: no binding has this id "
                            "(? lists them)")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: key {binding!r}: give the keys as text, e.g. \"ctrl+s,f2\"")
        else:
            keymap[binding] = keys.replace(" ", "")
    return keymap, problems
