"""Text that is safe to show: one definition of "make a string from a file printable".

Every string that came from a file (a model name, a title, a header, a file name in an
error message) can hold terminal control sequences: ESC starts CSI/OSC sequences that
set the window title or clear the screen, BEL rings, C1 controls (U+0080-U+009F) act
as ESC on many terminals, and bidi controls (U+202E) reverse the text around them.
Before such a string reaches a terminal it goes through `printable`, which shows each
control as a visible escape (``\\x1b``, ``\\u202e``) instead of obeying it. The data
itself (the session, JSON) keeps the exact string; only views escape.

It is also the one formatter of numbers for people (`usd`, `num`, `pct`, the compact
`usd_short` for narrow columns, `with_unit`) and for machines (`clean`, JSON-ready
numbers with float noise trimmed), and of a value against its limit (`versus`), so
that rounding never hides a breach.

No textual and no rich here: the engine, the CLI and the TUI all share it.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

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


# ------------------------------------------------------------- numbers for people


def round12(f: float) -> float:
    """`f` rounded to 12 significant digits, by Python's correctly rounded formatting:
    the definition `rounded12` computes for a column and falls back to."""
    return float(f"{f:.12g}")


def clean(value: Any) -> Any:
    """A JSON-safe scalar: NaN/inf -> None, numpy -> Python, float noise trimmed.

    Floats keep 12 significant digits, so 0.1 * 15e6 / 1000 prints as 1500, not
    1500.0000000000002; that is far below any precision a cost decision needs.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return None
        if f == 0:
            return 0.0
        rounded = round12(f)
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if _is_pandas_missing(value):
        return None
    return value


def _small(v: float) -> str:
    # Three significant digits in fixed notation: 0.00000425, never 4.25e-06, which
    # reads as a typo to most people who will see a cost memo.
    decimals = min(-math.floor(math.log10(abs(v))) + 2, 20)
    return f"{abs(v):.{decimals}f}".rstrip("0")


def usd(x: Any, digits: int = 2) -> str:
    """$1,500 / $12.50 / $0.0050 (with digits=4) / $0.00000425 / -$73,500 / n/a."""
    v = clean(x)
    if v is None:
        return "n/a"
    sign = "-" if v < 0 else ""
    a = abs(v)
    if a >= 100:
        return f"{sign}${a:,.0f}"
    if a >= 0.01 or a == 0:
        return f"{sign}${a:,.{digits}f}"
    return f"{sign}${_small(a)}"


def num(x: Any, digits: int = 2) -> str:
    v = clean(x)
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 0.01:
        return f"{v:.{digits}f}"
    return ("-" if v < 0 else "") + _small(v)


def pct(x: Any) -> str:
    v = clean(x)
    return "n/a" if v is None else f"{v:.2f}%"


def one_line(text: Any) -> str:
    """Printable single-line text: whitespace runs become one space, control and
    invisible characters become U+FFFD (shown, not silently dropped)."""
    s = "" if text is None else str(text)
    return " ".join(CONTROL_NOT_SPACE.sub("\ufffd", s).split())


def usd_short(x: Any) -> str:
    """Money in at most 6 characters for narrow columns: $950, $1.5k, $75k, $1.2M, $3.4B."""
    v = clean(x)
    if v is None:
        return "n/a"
    sign = "-" if v < 0 else ""
    a = abs(v)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= scale * 0.9995:
            shown = a / scale
            text = f"{shown:.1f}" if shown < 9.95 else f"{shown:.0f}"
            return f"{sign}${text.removesuffix('.0')}{suffix}"
    if a >= 10 or a == 0:
        return f"{sign}${a:.0f}"
    if a >= 0.01:
        return f"{sign}${a:.2f}"
    return f"{sign}${_small(a)}"


# What a number means, for messages: (prefix, suffix) around the formatted value.
UNITS: dict[str, tuple[str, str]] = {
    "USD": ("$", ""),
    "USD/month": ("$", "/month"),
    "USD/1k": ("$", " per 1k"),
    "ms": ("", " ms"),
    "%": ("", "%"),
    "per day": ("", "/day"),
    "months": ("", " months"),
    "days": ("", " days"),
}


def with_unit(x: Any, unit: str, *, digits: int = 2) -> str:
    """`x` in its unit: $15,000/month, 200 ms, 95.00%, 500,000/day; plain when unknown."""
    if unit == "%":
        return pct(x)
    prefix, suffix = UNITS.get(unit, ("", f" {unit}" if unit else ""))
    text = usd(x, digits) if prefix == "$" else num(x, digits)
    return text + suffix if text != "n/a" else text


def versus(value: float, limit: float, unit: str) -> tuple[str, str]:
    """(value, limit) formatted in `unit` so that different numbers never print alike.

    A $100.40 cost against a $100 budget reads "$100.40" vs "$100", never "$100" vs
    "$100": digits are added until the two texts differ (or the numbers are equal).
    """
    shown = (with_unit(value, unit), with_unit(limit, unit))
    digits = 2
    while shown[0] == shown[1] and value != limit and digits < 12:
        digits += 2
        shown = (_exact(value, unit, digits), _exact(limit, unit, digits))
    return shown


def _exact(x: float, unit: str, digits: int) -> str:
    prefix, suffix = UNITS.get(unit, ("", f" {unit}" if unit else ""))
    sign = "-" if x < 0 else ""
    body = f"{abs(x):,.{digits}f}".rstrip("0").rstrip(".")
    if prefix == "$" and "." in f"{abs(x):.{digits}f}".rstrip("0"):
        whole, _, cents = body.partition(".")
        body = f"{whole}.{cents.ljust(2, '0')}"  # money keeps its cents: $100.40
    return f"{sign}{prefix}{body}{suffix}" if unit != "%" else f"{sign}{body}%"


def _is_pandas_missing(value: Any) -> bool:
    # pd.NA and pd.NaT without importing pandas here (fmt is imported by every layer).
    return type(value).__name__ in ("NAType", "NaTType")


# ------------------------------------------------- the same formatting, column at a time
# Exports of a million candidates cannot call `usd` a million times (about 10 µs each).
# These produce, for a float column, exactly the strings the scalar functions above
# produce for each cell: the common cases with array arithmetic (numpy, and pyarrow's
# string kernels, imported lazily so that importing fmt stays cheap), and any cell whose
# rounding is too close to call in floating point (a near tie) or that is outside the
# exact range goes through the scalar function itself. Tests compare them cell by cell.

_P10 = 10.0 ** np.arange(23)  # exact doubles: 1 ... 1e22
# |fraction - 0.5| below this: the rounding of the product could flip the digit. The
# products below are under 1e12, so they are off by at most 1e12 * 2**-53 = 1.1e-4.
_TIE = 2.5e-4


def rounded12(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the nearest double to each value rounded to 12 significant digits, the cells
    that could not be rounded exactly here): `clean`'s rounding for a column.
    NaN and inf stay as they are; zeros stay zero."""
    x = np.asarray(values, dtype=float)
    m, e, hard = mantissa12(x)
    up = 11 - e
    with np.errstate(all="ignore"):
        # One correctly rounded division (or product) of two exact doubles: the
        # nearest double to m * 10^(e-11), i.e. round12(x).
        r = np.where(up >= 0, m / _P10[np.clip(up, 0, 22)], m * _P10[np.clip(-up, 0, 22)])
        r = np.where(m != 0, np.copysign(r, x), x)
    return r, hard


def mantissa12(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m, e, hard): |x| rounded to 12 significant digits is m * 10^(e-11), m an
    integer in [1e11, 1e12) and e the decimal exponent; m is 0 for zero, NaN, inf and
    the `hard` cells, which could not be rounded exactly here.

    m = rint(|x| * 10^(11-e)): the product is below 1e12 and off by at most
    1e12 * 2**-53 = 1.1e-4, so its rounding is right unless it is within `_TIE` of a
    half (those cells are hard, as are |x| outside 1e-11 .. 1e34, where the powers of
    ten stop being exact doubles)."""
    x = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        a = np.abs(x)
        usable = (a > 0) & (a < np.inf)  # (False for NaN)
        e = np.floor(np.log10(a)).astype(np.int64)
        inside = (e >= -11) & (e <= 33)
        np.clip(e, -11, 33, out=e)
        s = _scaled(a, e)
        off = (s >= 1e12) | (s < 1e11)  # log10 can be off by one next to a power of ten
        if (off & usable & inside).any():
            e = e + (s >= 1e12) - (s < 1e11)
            np.clip(e, -11, 33, out=e)
            s = _scaled(a, e)
        m = np.rint(s)
        hard = usable & ((np.abs(s - m) > 0.5 - _TIE) | ~inside)
        m = np.where(usable & ~hard, m, 0.0)
        top = m >= 1e12  # 999999999999.7 rounds up to 1e12: one more digit of exponent
        if top.any():
            m[top] = 1e11
            e[top] += 1
            # Rounded up past 1e34, where 10^(11-e) is no longer an exact double: hard.
            beyond = top & (e > 33)
            if beyond.any():
                hard |= beyond
                m[beyond] = 0.0
    return m.astype(np.int64), e, hard


def _scaled(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    up = 11 - e
    s: np.ndarray = a * _P10[np.clip(up, 0, 22)]
    down = up < 0
    if down.any():
        s[down] = a[down] / _P10[-up[down]]
    return s


# pyarrow ships no type information (see the mypy overrides in pyproject.toml), so its
# modules and arrays are Any here: the column formatters below say so in their types.
ArrowArray = Any


def _arrow() -> tuple[Any, Any]:
    """pyarrow and pyarrow.compute, imported on first use (importing fmt stays cheap)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


def grouped(whole: np.ndarray) -> ArrowArray:
    """f"{w:,}" of every non-negative integer of `whole` (int64), as an arrow string
    array: 1234567 -> "1,234,567". Built a group of three digits at a time by integer
    arithmetic, from the lowest up (a regex over the reversed digits took four times
    as long: the budget messages of a million candidates spent 0.5 s there)."""
    pa, pc = _arrow()
    rest, group = np.divmod(np.asarray(whole, dtype=np.int64), 1000)
    digits = pc.cast(pa.array(group), pa.string())
    text = digits  # right for the rows whose lowest group is also their leading one
    below = None  # the groups written so far, each as ",ddd"
    while True:
        more = rest > 0  # rows with a group above the ones written so far
        if not more.any():
            return text
        padded = pc.binary_join_element_wise(",", pc.utf8_lpad(digits, 3, "0"), "")
        below = padded if below is None else pc.binary_join_element_wise(padded, below, "")
        rest, group = np.divmod(rest, 1000)
        digits = pc.cast(pa.array(group), pa.string())
        text = pc.if_else(pa.array(more), pc.binary_join_element_wise(digits, below, ""), text)


def fixed_column(values: np.ndarray, decimals: int | np.ndarray, *,
                 commas: bool = False) -> ArrowArray:
    """f"{v:,.{d}f}" (or without commas) of every value, `decimals` one number or one
    per value (0-8), as an arrow string array, null where the value is not finite, too
    large for exact integer arithmetic or a near tie (callers format those cells with
    the scalar function)."""
    pa, pc = _arrow()
    v = np.asarray(values, dtype=float)
    d = np.broadcast_to(np.asarray(decimals, dtype=np.int64), v.shape)
    scale = _P10[d]
    with np.errstate(all="ignore"):
        y = np.abs(v) * scale
        ok = np.isfinite(y) & (y < 1e12)  # (see _TIE)
        y = np.where(ok, y, 0.0)
        m = np.rint(y)
        ok &= np.abs(y - np.floor(y) - 0.5) >= _TIE
    m = m.astype(np.int64)
    unit = scale.astype(np.int64)
    whole_int = m // unit
    whole = pc.cast(pa.array(whole_int), pa.string())
    if commas:
        big = whole_int >= 1000
        if big.any():
            mask = pa.array(big)
            whole = pc.replace_with_mask(whole, mask, grouped(whole_int[big]))
    parts: list[Any] = [whole]
    negative = np.signbit(v)
    if negative.any():
        parts.insert(0, pc.if_else(pa.array(negative), "-", ""))
    if d.any():
        # m % 10^d + 10^d is "1" and then exactly d digits: drop the "1".
        frac = pc.utf8_slice_codeunits(pc.cast(pa.array(m % unit + unit), pa.string()), 1)
        parts += [pc.if_else(pa.array(d > 0), ".", ""), frac]
    text = pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else whole
    return pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string()))


def with_unit_column(values: np.ndarray, unit: str, *, digits: int = 2) -> ArrowArray:
    """`with_unit(v, unit, digits=digits)` of every value (an arrow string array)."""
    pa, pc = _arrow()
    x = np.asarray(values, dtype=float)
    r, hard = rounded12(x)  # every scalar formatter starts from clean(x)
    r = np.where(r == 0, 0.0, r)  # clean(-0.0) is 0.0: no sign
    a = np.abs(r)
    with np.errstate(invalid="ignore"):
        if unit == "%":
            text = fixed_column(r, 2)
            text = pc.binary_join_element_wise(text, "%", "")
            simple = np.zeros(len(r), dtype=bool)  # every finite cell is covered above
        else:
            prefix, suffix = UNITS.get(unit, ("", f" {unit}" if unit else ""))
            if prefix == "$":
                big = a >= 100
                small = (a < 0.01) & (a != 0)
                # The digits of |v|, and the sign before the "$" where there is one.
                text = fixed_column(a, np.where(big, 0, digits), commas=True)
                negative = np.signbit(r) & (r != 0)
                sign = pc.if_else(pa.array(negative), "-$", "$") if negative.any() else "$"
                text = pc.binary_join_element_wise(sign, text, suffix, "")
            else:
                integral = (r == np.floor(r)) & (a < 2.0**53)
                big = a >= 1000
                small = (a < 0.01) & ~integral
                text = fixed_column(r, np.where(integral | big, 0, digits), commas=True)
                text = pc.binary_join_element_wise(text, suffix, "")
            simple = small
    # Cells left to the scalar function: near ties, tiny values (3 significant digits
    # in fixed notation), NaN ("n/a") and anything the arithmetic did not cover.
    todo = hard | simple | ~np.isfinite(r) | pc.is_null(text).to_numpy(zero_copy_only=False)
    if todo.any():
        idx = np.flatnonzero(todo)
        text = pc.replace_with_mask(
            text, pa.array(todo), pa.array([with_unit(x[i], unit, digits=digits) for i in idx],
                                           pa.string()))
    return text


def versus_column(values: np.ndarray, limit: float, unit: str
                  ) -> tuple[ArrowArray, str, np.ndarray]:
    """`versus(v, limit, unit)` for every value: (arrow array of the values' texts, the
    limit's text, mask of the cells where the limit's text differs from that one and
    the caller must use the scalar `versus`)."""
    _, pc = _arrow()
    x = np.asarray(values, dtype=float)
    shown = with_unit_column(x, unit)
    limit_text = with_unit(limit, unit)
    same = pc.equal(shown, limit_text).to_numpy(zero_copy_only=False)
    redo = same & (x != limit)
    return shown, limit_text, redo
