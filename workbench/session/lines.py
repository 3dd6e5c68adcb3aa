"""Where a key is in a TOML text: the line numbers that error messages name.

tomllib gives values but no positions, so a best-effort scan of the text maps each key
path ("candidates", 3, "accuracy") to the line that sets it. It is used only to point
at a problem; the values always come from tomllib.
"""

from __future__ import annotations

import re
import tomllib

KeyPath = tuple[str | int, ...]


_HEADER_LINE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


_KEY_PART_RE = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""


_KEY_PART = re.compile(_KEY_PART_RE)


_KEY_LINE = re.compile(rf"^\s*((?:{_KEY_PART_RE})(?:\s*\.\s*(?:{_KEY_PART_RE}))*)\s*=")


def _key_parts(text: str) -> list[str]:
    parts = []
    for raw in _KEY_PART.findall(text):
        if raw.startswith('"'):
            try:
                parts.append(tomllib.loads(f"k = {raw}")["k"])
            except tomllib.TOMLDecodeError:
                parts.append(raw[1:-1])
        elif raw.startswith("'"):
            parts.append(raw[1:-1])
        else:
            parts.append(raw)
    return parts


def key_lines(text: str) -> dict[KeyPath, int]:
    """Best-effort map from key path to 1-based line, for error messages only.

    Array tables are numbered from 1 ("candidates", 3, "accuracy"), matching the
    row numbers in messages. Lines inside multi-line strings are skipped.
    """
    lines: dict[KeyPath, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER_LINE.match(line)
        if header:
            names = tuple(_key_parts(header.group(2)))
            if header.group(1) == "[[":
                counts[names] = counts.get(names, 0) + 1
                table = (*_numbered(names[:-1], counts), names[-1], counts[names])
            else:
                table = _numbered(names, counts)
            lines.setdefault(table, number)
            continue
        key = _KEY_LINE.match(line)
        if key:
            path = (*table, *_key_parts(key.group(1)))
            lines.setdefault(path, number)
            rest = line[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
                    break
    return lines


def _numbered(names: tuple[str, ...], counts: dict[tuple[str, ...], int]) -> KeyPath:
    # [scoring] inside [[scoring.criteria]] numbering: a sub-table of the latest
    # array element gets that element's index.
    out: list[str | int] = []
    for end in range(1, len(names) + 1):
        out.append(names[end - 1])
        if names[:end] in counts:
            out.append(counts[names[:end]])
    return tuple(out)
