"""One number grammar, for flags, TUI fields and table cells alike.

A number as people type it in a flag, a field or a spreadsheet cell:

    15000   15,000   15 000   15_000   $15k   2.5M   1e6   -3.5   USD 0.02   95%

- an optional sign and currency mark ($, €, £, USD) before or after;
- digits with an optional decimal mark and thousands separators;
- an optional exponent (`1e6`) or magnitude suffix: k = 1e3, M = 1e6, B = 1e9
  (case-insensitive, so `2.5m` is 2.5 million, never milli);
- a trailing `%` only where a percentage is meant (accuracy): `95%` is 95.

Decimal mark and thousands separators. In the point reading `.` is the decimal mark and
`,` ` ` `_` group thousands; in the comma reading `,` is the decimal mark and `.` ` `
group thousands. A grouping separator must split the integer part into groups of three
digits (`1,250,000`), so `1,25` and `0,5` are never thousands. Flags and fields use the
point reading and refuse a spelling only the comma reading explains (`0,5`), saying
what it would mean; a table column decides per column (see `parse_column`), from the
cells whose reading is unambiguous, and refuses a column that mixes the two.

Magnitude: every number must be finite and at most `MAX_MAGNITUDE` (1e15) in size
unless the caller allows more: a cost of 1e308 overflows the arithmetic downstream and
silently zeroes a criterion, so it is an input error, not a value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MAX_MAGNITUDE = 1e15
SUFFIXES: dict[str, float] = {"k": 1e3, "m": 1e6, "b": 1e9}
_SPACES = " \u00a0\u202f"

# sign, currency, sign, mantissa, exponent, suffix, percent, currency: the whole grammar.
_TOKEN = re.compile(
    r"^(?P<s1>[-+\u2212]?)\s*(?P<c1>[$€£]|usd|USD)?\s*(?P<s2>[-+\u2212]?)\s*"
    r"(?P<mant>[0-9][0-9.,_ \u00a0\u202f]*|[.,][0-9][0-9_]*)"
    r"(?P<exp>[eE][-+]?[0-9]+)?\s*(?P<suffix>[kKmMbB])?\s*(?P<pct>%)?\s*"
    r"(?P<c2>[$€£]|usd|USD)?$"
)
_GROUPED = re.compile(r"[0-9]{1,3}(?:([, \u00a0\u202f._])[0-9]{3})(?:\1[0-9]{3})*")
_FRACTION = re.compile(r"[0-9]*")


class NumberError(ValueError):
    """A spelling that is not a number, or is one only under a reading we will not guess."""


@dataclass(frozen=True)
class Readings:
    """The value of a mantissa with `.` as decimal mark and with `,` as decimal mark;
    None where that reading does not parse."""

    point: float | None
    comma: float | None


def _integer_part(text: str, groupers: str) -> str | None:
    """Digits of an integer part whose separators (from `groupers`) group by three.
    (`_` is one of them, in both readings: `15_000` is 15000, `1_0` no number, where
    Python's own literals would read 10.)"""
    if not text:
        return "0"
    if text.isdigit():
        return text
    if not any(g in text for g in groupers + "_"):
        return None
    match = _GROUPED.fullmatch(text)
    if match is None or match.group(1) not in groupers + "_":
        return None
    return re.sub(r"[^0-9]", "", text)


def _reading(mant: str, decimal: str, groupers: str) -> float | None:
    head, sep, tail = mant.partition(decimal)
    if sep and (decimal in tail or not _FRACTION.fullmatch(tail)):
        return None
    integer = _integer_part(head, groupers)
    if integer is None:
        return None
    fraction = tail
    if not integer and not fraction:
        return None
    return float(f"{integer or '0'}.{fraction or '0'}")


def readings(mant: str) -> Readings:
    """Both readings of a mantissa such as `1,250.5`, `1.250,5` or `0,5`."""
    mant = mant.strip(_SPACES)
    return Readings(
        point=_reading(mant, ".", "," + _SPACES),
        comma=_reading(mant, ",", "." + _SPACES),
    )


@dataclass(frozen=True)
class Token:
    """A cell or field split into the grammar's parts (values not yet combined)."""

    negative: bool
    mantissa: Readings
    exponent: int
    factor: float
    percent: bool


def tokenize(text: str) -> Token | None:
    """The grammar's parts of `text`, or None when it is not a number at all."""
    match = _TOKEN.match(text.strip())
    if match is None or (match.group("c1") and match.group("c2")):
        return None
    s1, s2 = match.group("s1"), match.group("s2")
    if s1 and s2:
        return None
    exp = match.group("exp")
    suffix = match.group("suffix")
    if exp and suffix:
        return None
    try:
        exponent = int(exp[1:]) if exp else 0
    except ValueError:  # more digits than int() accepts: certainly out of range
        exponent = 10**6
    return Token(
        negative=(s1 or s2) in ("-", "\u2212"),
        mantissa=readings(match.group("mant")),
        exponent=max(min(exponent, 10**6), -(10**6)),
        factor=SUFFIXES[suffix.lower()] if suffix else 1.0,
        percent=bool(match.group("pct")),
    )


def combine(token: Token, mantissa: float) -> float:
    with np.errstate(over="ignore"):
        try:
            value = mantissa * 10.0**token.exponent * token.factor
        except OverflowError:
            value = math.inf
    return -value if token.negative else value


def parse_number(
    text: str,
    *,
    percent: bool = False,
    limit: float = MAX_MAGNITUDE,
    what: str = "a number",
) -> float:
    """A number typed in a flag or a field (point reading); NumberError says why not.

    `percent=True` accepts a trailing `%` (the value stays in percent: `95%` is 95).
    """
    raw = str(text).strip()
    if not raw:
        raise NumberError(f"{what} is required")
    token = tokenize(raw)
    if token is None:
        raise NumberError(f"{_show(raw)} is not a number")
    if token.percent and not percent:
        raise NumberError(
            f"{_show(raw)} is a percentage; this takes a plain number (write it without %)"
        )
    if token.mantissa.point is None:
        if token.mantissa.comma is not None:
            meant = combine(token, token.mantissa.comma)
            raise NumberError(
                f"{_show(raw)} is ambiguous: a comma separates thousands in groups of three "
                f"digits (1,250); if you mean {meant:g}, write it with a decimal point"
            )
        raise NumberError(f"{_show(raw)} is not a number")
    value = combine(token, token.mantissa.point)
    check_magnitude(value, raw, limit)
    return value


def parse_optional(
    text: str,
    *,
    blank_ok: bool = True,
    minimum: float | None = None,
    positive: bool = False,
    percent: bool = False,
) -> float | None:
    """`parse_number` for a field that may be left blank (None) and has a floor."""
    if not text.strip():
        if blank_ok:
            return None
        raise NumberError("a number is required")
    value = parse_number(text, percent=percent)
    if positive and not value > 0:
        raise NumberError("must be greater than 0")
    if minimum is not None and value < minimum:
        raise NumberError(f"must be at least {minimum:g}")
    return value


def check_magnitude(value: float, raw: str, limit: float = MAX_MAGNITUDE) -> None:
    if not abs(value) <= limit:  # also catches inf and NaN
        raise NumberError(out_of_range(raw, limit))


def out_of_range(raw: str, limit: float = MAX_MAGNITUDE) -> str:
    return f"{_show(raw)} is out of range: numbers must be at most {limit:g} in size"


def _show(raw: str) -> str:
    from workbench.fmt import clip

    return repr(clip(raw, 40))


# ------------------------------------------------------------------ table columns


@dataclass
class ParsedColumn:
    """A column of cells parsed with one reading for the whole column."""

    values: np.ndarray  # float64; NaN where the cell was blank
    error: tuple[int, str] | None  # (row position, message) of the first bad cell
    percent: bool  # some cell ended in "%"
    reading: str  # "point" or "comma": the decimal mark the column was read with
    ambiguous: str | None  # a cell whose value depends on the reading, when one did


def parse_column(
    text: pd.Series,
    *,
    decimal_comma: bool = False,
    percent: bool = False,
    limit: float = MAX_MAGNITUDE,
) -> ParsedColumn:
    """Parse stripped cell texts ("" = blank) with the grammar above.

    Plain cells (`12`, `0.5`, `1e6`) go through pandas' C parser; only the rest
    (currency, separators, suffixes, percentages) are tokenised, once per distinct
    text. The column's decimal mark is decided by its cells: a cell that parses only
    with a decimal comma (`0,5`) or only with a decimal point (`0.02` where `.` cannot
    group thousands) is evidence; a column with both kinds is refused, and a column
    with neither follows the file (`decimal_comma`: semicolon-delimited files).
    """
    import pandas as pd

    blank = (text == "").to_numpy()
    fast = pd.to_numeric(text.where(~blank, "0"), errors="coerce").to_numpy(dtype=float)
    # pandas accepts "inf", "nan" and the like, which the grammar does not.
    plain_match = text.str.fullmatch(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
    plain = plain_match.fillna(False).to_numpy(dtype=bool) | blank
    slow = ~plain
    # A plain cell like "1.250" is 1.25 with a decimal point but 1250 with a decimal
    # comma; "0.02" only makes sense with a decimal point.
    dotted = plain & ~blank & text.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    groupish = (
        text.str.fullmatch(r"[-+]?[0-9]{1,3}(?:\.[0-9]{3})+").fillna(False).to_numpy(dtype=bool)
    )
    point_evidence = dotted & ~groupish
    ambiguous_plain = dotted & groupish

    tokens: dict[str, Token | None] = {}
    slow_idx = np.flatnonzero(slow)
    for cell in pd.unique(text.to_numpy()[slow_idx]) if slow_idx.size else ():
        tokens[cell] = tokenize(cell)
    comma_only = [c for c, t in tokens.items()
                  if t is not None and t.mantissa.point is None and t.mantissa.comma is not None]
    point_only = [c for c, t in tokens.items()
                  if t is not None and t.mantissa.comma is None and t.mantissa.point is not None]
    both_differ = [c for c, t in tokens.items()
                   if t is not None and None not in (t.mantissa.point, t.mantissa.comma)
                   and t.mantissa.point != t.mantissa.comma]
    has_point = bool(point_only) or bool(point_evidence.any())
    has_comma = bool(comma_only)
    values = np.where(blank, np.nan, fast)
    error: tuple[int, str] | None = None

    def cell_at(i: int | np.integer[Any]) -> str:
        # The cells are str by contract (stripped text, "" for blank); str() of a str is
        # the same object, and tells the type checker what pandas' iat cannot.
        return str(text.iat[int(i)])

    def first_row(cells: list[str] | np.ndarray) -> int:
        if isinstance(cells, np.ndarray):
            return int(np.flatnonzero(cells)[0])
        wanted = set(cells)
        return int(next(i for i in slow_idx if cell_at(i) in wanted))

    if has_point and has_comma:
        i_comma = first_row(comma_only)
        i_point = first_row(point_only) if point_only else first_row(point_evidence)
        row = max(i_comma, i_point)
        error = (row, (
            f"{_show(cell_at(row))}: this column mixes decimal commas "
            f"({_show(cell_at(i_comma))}) and decimal points ({_show(cell_at(i_point))}); "
            "use one decimal mark for the whole column"
        ))
        reading = "point"
    else:
        reading = "comma" if has_comma or (decimal_comma and not has_point) else "point"
    ambiguous: str | None = None
    if reading == "comma" and ambiguous_plain.any():
        # Re-read "1.250" with "." grouping thousands, as the column's other cells say.
        for i in np.flatnonzero(ambiguous_plain):
            tokens.setdefault(cell_at(i), tokenize(cell_at(i)))
        ambiguous = cell_at(int(np.flatnonzero(ambiguous_plain)[0]))
        slow = slow | ambiguous_plain
        slow_idx = np.flatnonzero(slow)
    elif both_differ:
        ambiguous = both_differ[0]
    percent_any = False
    if error is None and slow_idx.size:
        cells = text.to_numpy()[slow_idx]
        parsed = np.empty(slow_idx.size)
        for j, cell in enumerate(cells):
            token = tokens[cell]
            mant = None if token is None else (
                token.mantissa.comma if reading == "comma" else token.mantissa.point
            )
            if token is None or mant is None:
                row = int(slow_idx[j])
                error = (row, f"{_show(cell)} is not a number")
                break
            if token.percent:
                if not percent:
                    row = int(slow_idx[j])
                    error = (row, f"{_show(cell)} is a percentage; this column takes plain numbers")
                    break
                percent_any = True
            parsed[j] = combine(token, mant)
        if error is None:
            values[slow_idx] = parsed
    if error is None:
        with np.errstate(invalid="ignore"):
            out = ~blank & ~(np.abs(values) <= limit)
        if out.any():
            row = int(np.flatnonzero(out)[0])
            error = (row, out_of_range(cell_at(row), limit))
    return ParsedColumn(values, error, percent_any, reading, ambiguous)


# ------------------------------------------------------------ limits on columns

_LIMIT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|=<|=>|<|>|=)\s*(.+?)\s*$")


def parse_limits(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """`params_m<=50, gflops>=2` -> ({"params_m": 50}, {"gflops": 2}).

    Limits are inclusive, so only `<=` and `>=` are accepted: `<` and `>` would be
    read as something the user did not write, and are refused with the spelling to use.
    Raises NumberError (a ValueError) naming the item.
    """
    upper: dict[str, float] = {}
    lower: dict[str, float] = {}
    for item in re.split(r"[,;]", text):
        if not item.strip():
            continue
        m = _LIMIT.match(item)
        if not m:
            raise NumberError(f"{_show(item.strip())}: write COLUMN<=VALUE or COLUMN>=VALUE")
        column, op, value = m.groups()
        if op in ("<", ">", "="):
            meant = {"<": "<=", ">": ">=", "=": "<= or >="}[op]
            raise NumberError(
                f"{_show(item.strip())}: limits are inclusive; write {column}{meant}{value}"
            )
        number = parse_number(value)
        (upper if op in ("<=", "=<") else lower)[column] = number
    return upper, lower


def format_limits(upper: dict[str, float], lower: dict[str, float]) -> str:
    from workbench.fmt import fmt_num

    parts = [f"{k}<={fmt_num(v)}" for k, v in upper.items()]
    parts += [f"{k}>={fmt_num(v)}" for k, v in lower.items()]
    return ", ".join(parts)
