"""Text that is safe to show: one definition of "make a string from a file printable".

Every string that came from a file (a model name, a title, a header, a file name in an
error message) can hold terminal control sequences: ESC starts CSI/OSC sequences that
set the window title or clear the screen, BEL rings, C1 controls (U+0080-U+009F) act
as ESC on many terminals, and bidi controls (U+202E) reverse the text around them.
Before such a string reaches a terminal it goes through `printable`, which shows each
control as a visible escape (``\\x1b``, ``\\u202e``) instead of obeying it. The data
itself (the session, JSON) keeps the exact string; only views escape.

No textual and no rich here: the engine, the CLI and the TUI all share it.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Unicode Cc (C0, DEL, C1), the invisible format characters of Cf that change how
# text around them is shown (bidi embeddings, overrides and isolates, zero-width
# characters, the BOM, interlinear annotations, tags) and lone surrogates (file
# names that were not valid UTF-8: printing them raises UnicodeEncodeError).
_FORMAT = (
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f"
    "\ud800-\udfff"
)
CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
# The same set without the line break, for text shown over several lines (notes).
CONTROL_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_FORMAT}]")
# What JSON leaves raw although a terminal may obey it: DEL, C1 and the format set
# (json.dumps already escapes C0 inside strings; outside strings there are none).
CONTROL_NOT_C0 = re.compile(f"[\x7f-\x9f{_FORMAT}]")
# Controls that are not whitespace: what `export.one_line` turns into U+FFFD after
# folding whitespace runs (the markdown views keep their own, readable convention).
CONTROL_NOT_SPACE = re.compile(f"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f{_FORMAT}]")


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(value: Any, *, newlines: bool = False) -> str:
    """`value` as text a terminal shows but never obeys: every control character,
    invisible format character and lone surrogate becomes a visible escape such as
    ``\\x1b``. With ``newlines=True`` line breaks are kept (for multi-line notes);
    otherwise the result is always one line."""
    text = "" if value is None else str(value)
    pattern = CONTROL_BUT_NEWLINE if newlines else CONTROL
    return pattern.sub(_escape, text)


def is_printable(value: str) -> bool:
    """True when `printable(value)` would change nothing."""
    return CONTROL.search(value) is None


def clip(text: str, limit: int = 80) -> str:
    """`text` cut to at most `limit` characters with "…" (for values echoed in errors:
    a 5,000-digit number is not a message)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def fmt_num(x: float) -> str:
    """Plain number for messages: 500, 0.098, 300000 (no float noise)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 1e12 or abs(x) < 1e-6:
        return f"{x:.4g}"
    return f"{x:.10g}"
