"""Machine-readable views of an analysis: JSON, CSV, markdown tables.

These are views: they format numbers the engine computed and never compute new ones.

JSON and CSV list every candidate, so they are written a column at a time: each cell
becomes a token in an arrow string array (numpy and pyarrow kernels, no Python per
row), a chunk of rows is joined into lines in one kernel call and handed out as bytes.
Every token is exactly what the one-cell definition gives (`fmt.clean` + `json.dumps`,
`csv_safe` + the csv module); the few cells the kernels cannot do exactly (a near tie
in the 12-digit rounding, a name with control characters, a mixed column) are made by
that definition itself. tests/unit/test_export_columnar.py compares them cell by cell.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.analysis import Analysis
from workbench.arrow_bytes import string_bytes

if TYPE_CHECKING:
    from workbench.evaluation import Evaluation, Robustness
from workbench.fmt import (
    _FORMAT,
    CONTROL_NOT_C0,
    clean,
    mantissa12,
    num,
    one_line,
    pct,
    printable,
    round12,
    rounded12,
    usd,
)

CORE_KEYS = (
    "name", "accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd",
    "inference_monthly_usd", "cost_per_accuracy_point", "cost_per_1k_correct",
    "max_volume_per_day_in_budget", "feasible", "violations", "pareto", "score", "rank",
)
# Rows per chunk: big enough that the kernels dominate the Python around them, small
# enough that the chunks in flight stay a few megabytes whatever the table's size.
CHUNK_ROWS = 1 << 14
# What markdown and text views show of a long table (CSV and JSON list everything).
MARKDOWN_ROWS = 50
MARKDOWN_SWEEP_COLUMNS = 10


def _inputs(analysis: Analysis, section: str) -> dict[str, Any]:
    # The "inputs" blocks come from the field table: every input of the section.
    from workbench.fields import inputs_dict
    from workbench.model import Session

    return inputs_dict(Session(analysis.scenario), [section], clean)[section]


def workload_dict(analysis: Analysis) -> dict[str, Any]:
    """The workload as given, with monthly_volume (derived) after days_per_month."""
    given = _inputs(analysis, "workload")
    out: dict[str, Any] = {}
    for key, value in given.items():
        out[key] = value
        if key == "days_per_month":
            out["monthly_volume"] = clean(analysis.scenario.workload.monthly_volume)
    return out


def constraints_dict(analysis: Analysis) -> dict[str, Any]:
    c = analysis.scenario.constraints
    out = _inputs(analysis, "constraints")
    if c.max:
        out["max"] = {k: clean(v) for k, v in c.max.items()}
    if c.min:
        out["min"] = {k: clean(v) for k, v in c.min.items()}
    return out


def recommendation_dict(analysis: Analysis) -> dict[str, Any] | None:
    rec = analysis.recommendation
    if rec is None:
        return None
    return {
        "name": rec.name,
        "reason": rec.reason,
        "runner_up": rec.runner_up,
        "score_gap": clean(rec.score_gap),
    }


def sweep_list(analysis: Analysis, texts: pa.Array | None = None) -> list[dict[str, Any]]:
    """The volume sweep, one summary per multiplier (the per-candidate maps of
    `--sweep-detail` are streamed by `json_chunks`, never built as dicts)."""
    sweep = analysis.volume_sweep
    if sweep is None:
        return []
    out = []
    positions = _positions(analysis, list(sweep.recommendations), texts)
    for j, m in enumerate(sweep.multipliers):
        pick = sweep.recommendations[j]
        pos = None if pick is None else positions.get(pick)
        out.append(
            {
                "multiplier": clean(m),
                "volume_per_day": clean(sweep.volumes_per_day[j]),
                "recommendation": pick,
                "recommendation_monthly_cost_usd": (
                    None if pos is None else clean(sweep.monthly_cost_usd[pos, j])
                ),
                "feasible_count": int(np.count_nonzero(sweep.feasible[:, j])),
                "candidate_count": int(sweep.feasible.shape[0]),
            }
        )
    return out


def _positions(analysis: Analysis, names: list[str | None],
               texts: pa.Array | None = None) -> dict[str, int]:
    """Rank positions of a few names with one pass over the name column (`texts`: the
    column as arrow strings, when the caller has it); `Analysis.position` would build a
    dict of every name for a name outside the first ranks."""
    column = analysis.table["name"]
    head = column.iloc[:8].tolist()
    found = {n: head.index(n) for n in names if n is not None and n in head}
    rest = [n for n in names if n is not None and n not in found]
    if rest:
        if texts is not None:
            hits = pc.is_in(texts, value_set=pa.array(rest, pa.string()))
            mask = pc.fill_null(hits, False).to_numpy(zero_copy_only=False)
        else:
            mask = column.isin(rest).to_numpy(dtype=bool)
        rows = np.flatnonzero(mask)
        found.update({str(n): int(i) for n, i in zip(column.iloc[rows].tolist(), rows)})
    return found


# ------------------------------------------------------------------------ JSON text


def _u_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # outside the BMP: a surrogate pair, which JSON readers join again
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_text(doc: Any, indent: int | None = 2) -> str:
    """JSON that is exact and safe on a terminal: json already escapes C0 controls;
    C1 controls, bidi and other invisible format characters and lone surrogates are
    escaped here too (as \\u sequences, which every JSON reader turns back into the
    same string), so `--format json` printed to a terminal cannot drive it."""
    text = json.dumps(doc, indent=indent, ensure_ascii=False)
    return CONTROL_NOT_C0.sub(_u_escape, text) + ("\n" if indent is not None else "")


def _json_cell(value: Any) -> str:
    """The one-cell definition: the token `json_text` writes for `clean(value)`."""
    return json_text(clean(value), indent=None)


def _re2_class(chars: str) -> str:
    # A Python character class body (characters and a-b ranges) for RE2, which arrow
    # uses; lone surrogates cannot occur in arrow strings and are left out.
    out, i = [], 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            lo, hi = ord(chars[i]), ord(chars[i + 2])
            i += 3
        else:
            lo = hi = ord(chars[i])
            i += 1
        if 0xD800 <= lo <= 0xDFFF:
            continue
        out.append(f"\\x{{{lo:x}}}" + (f"-\\x{{{hi:x}}}" if hi != lo else ""))
    return "".join(out)


# Cells a plain '"' + text + '"' would get wrong: quotes, backslashes, C0 (json escapes
# them) and what `json_text` escapes on top (DEL, C1, the invisible format set).
_RE2_JSON_SPECIAL = "[\"\\\\" + _re2_class("\x00-\x1f\x7f-\x9f" + _FORMAT) + "]"
# Cells `csv_safe` changes beyond the formula guard: every control (`fmt.CONTROL`).
_RE2_CONTROL = "[" + _re2_class("\x00-\x1f\x7f-\x9f" + _FORMAT) + "]"
_I10 = 10 ** np.arange(19, dtype=np.int64)


def _texts(values: Any) -> pa.Array | None:
    """Cells as an arrow string array (None/NaN -> null), or None when a cell is not a
    string (a mixed column) or cannot be one (a lone surrogate)."""
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        try:
            return pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
            return None
    try:
        return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return None


def _patch(tokens: pa.Array, mask: np.ndarray, make: Any, cells: Sequence[Any] | np.ndarray
           ) -> pa.Array:
    """`tokens` with the cells under `mask` made one at a time by `make` (the exact
    one-cell definition), for the few cells the kernels cannot do."""
    if not mask.any():
        return tokens
    idx = np.flatnonzero(mask)
    return pc.replace_with_mask(
        tokens, pa.array(mask), pa.array([make(cells[int(i)]) for i in idx], pa.string())
    )


def number_tokens(values: np.ndarray, *, null: str = "null", true: str = "true",
                  false: str = "false") -> pa.Array | None:
    """json.dumps(clean(v)) of every cell of a numeric column, or None for a column
    of another kind: int for integral values below 2**53, 0.0 for zero, repr of the
    12-significant-digit value otherwise (positional from 1e-4, 4.25e-05 below),
    `null` for NaN and inf."""
    pieces = number_pieces(values, null=null, true=true, false=false)
    if pieces is None or len(pieces) == 1:
        return None if pieces is None else pieces[0]
    return pc.binary_join_element_wise(*pieces, "")


def _exact_parts(x: float) -> tuple[int, int]:
    """(m, e) of one value by Python's own correctly rounded formatting: the cells
    whose 12-digit rounding is a near tie in floating point."""
    digits, _, exponent = f"{abs(x):.11e}".partition("e")
    return int(digits.replace(".", "")), int(exponent)


def number_pieces(values: np.ndarray, *, null: str = "null", true: str = "true",
                  false: str = "false") -> list[pa.Array] | None:
    """`number_tokens` as arrays whose cells, joined, are the tokens (the line join
    that follows does the joining). Booleans and integers in one cast; a float column
    by `_shortest_pieces` (one cast) when most of its cells allow it, else by
    `_exact_pieces`. Either way zero is 0.0 and NaN and inf are `null`."""
    v = np.asarray(values)
    if v.dtype == bool:
        return [pc.if_else(pa.array(v), true, false)]
    if v.dtype.kind in "iu":
        return [pc.cast(pa.array(v), pa.string())]
    if v.dtype.kind != "f":
        return None
    v = v.astype(float, copy=False)
    finite = np.isfinite(v)
    if not finite.any():  # a column of NaN (no cost per avoided error anywhere)
        return [pa.repeat(pa.scalar(null, pa.string()), len(v))]
    zero = v == 0
    with np.errstate(invalid="ignore"):
        whole_column = finite.all() and bool(np.all((np.floor(v) == v) & (np.abs(v) < 1e12)))
    if whole_column:  # counts, scores of 1-5 (12 digits at most): the integers, 0.0 for zero
        head = pc.cast(pa.array(v.astype(np.int64)), pa.string())
        return [pc.if_else(pa.array(zero), "0.0", head) if zero.any() else head]
    fast = _shortest_pieces(v, finite, zero, null)
    if fast is not None:
        return fast
    return _exact_pieces(v, finite, zero, null)


def _shortest_pieces(v: np.ndarray, finite: np.ndarray, zero: np.ndarray, null: str
                     ) -> list[pa.Array] | None:
    """`number_pieces` of a float column in one cast, or None when most cells need
    `_exact_pieces`. The 12-digit value (`rounded12`, the nearest double) cast to text
    by arrow is its shortest round-trip form, which is repr's: the same digits, and
    the same positional layout where both write one (1e-4 <= |x| < 1e10: arrow writes
    an exponent from 1e10 on, repr below 1e-4), and whole values without a point, as
    `clean` makes them ints. The near ties `rounded12` leaves inside that range (about
    0.05% of a column) are rounded as `clean` rounds them (`round12`) before the cast.
    Zero, NaN and inf are set as `_exact_pieces` sets them; the tiny and huge cells,
    near ties among them, are made by it."""
    r, hard = rounded12(v)
    with np.errstate(invalid="ignore"):
        a = np.abs(r)  # (|v| itself in a hard cell)
        # Only the hard cells in the cast's range: the others (tiny, huge, or one that
        # rounds across an end of the range) are the exact path's, which rounds them.
        ties = hard & finite & (a >= 1e-4) & (a < 1e10)
    if ties.any():  # one string patch per chunk cost more than this
        rows = np.flatnonzero(ties)
        r[rows] = [round12(x) for x in v[rows].tolist()]
        a[rows] = np.abs(r[rows])
    with np.errstate(invalid="ignore"):
        plain = finite & ~zero & (a >= 1e-4) & (a < 1e10)
    other = finite & ~zero & ~plain
    count = int(np.count_nonzero(other))
    if count * 4 > len(v):
        return None
    head = _zero_and_null(pc.cast(pa.array(np.where(plain, r, 1.0)), pa.string()),
                          zero, finite, null)
    if count:
        rows = np.flatnonzero(other)
        exact = _exact_pieces(v[rows], finite[rows], zero[rows], null)
        joined = pc.binary_join_element_wise(*exact, "") if len(exact) > 1 else exact[0]
        head = pc.replace_with_mask(head, pa.array(other), joined)
    return [head]


def _zero_and_null(head: pa.Array, zero: np.ndarray, finite: np.ndarray, null: str
                   ) -> pa.Array:
    """A float column's first piece with zero written 0.0 and NaN and inf `null`: both
    paths of `number_pieces` end so."""
    for mask, text in ((zero, "0.0"), (~finite, null)):
        if mask.any():
            head = pc.if_else(pa.array(mask), text, head)
    return head


def _exact_pieces(v: np.ndarray, finite: np.ndarray, zero: np.ndarray, null: str
                  ) -> list[pa.Array]:
    """`number_pieces` of a float column, every cell whatever its magnitude. Every
    finite value is m * 10^(e-11) (`mantissa12`); one pass of kernels writes all of
    them as repr writes the positional form: head = the signed whole part, tail = "."
    and the fraction's digits, and for values below 1e-4 a third piece with repr's
    exponent ("4.25e-05" = "4" ".25" "e-05"). Whole values have no tail."""
    m, e, hard = mantissa12(v)
    if hard.any():  # near ties and extreme magnitudes: m and e by Python, then as all
        rows = np.flatnonzero(hard)
        parts = [_exact_parts(x) for x in v[rows]]
        m[rows] = [p[0] for p in parts]
        e[rows] = [p[1] for p in parts]
    # 2**53 and up (repr writes floats there) and subnormals (whose 12 digits are not
    # all kept by a double): by the definition. (e of zero or NaN means nothing.)
    huge = finite & ~zero & ((e >= 15) | (np.abs(v) < 1e-300))
    tiny = finite & ~zero & (e < -4)
    # Digits after the point: 11 - e for the positional form; one digit before the
    # point (and 11 after) for the exponent form.
    point = np.where(tiny, 11, np.clip(11 - e, 0, 18))
    unit = _I10[point]
    whole, frac = np.divmod(m, unit)
    big = e > 11
    if big.any():  # whole numbers from 1e12 on: m * 10^(e-11)
        whole = np.where(big & ~huge, m * _I10[np.clip(e - 11, 0, 18)], whole)
    negative = np.signbit(v)
    head = pc.cast(pa.array(np.where(negative, -whole, whole)), pa.string())
    tail = pc.utf8_replace_slice(
        pc.utf8_rtrim(pc.cast(pa.array(frac + unit), pa.string()), characters="0"), 0, 1, ".")
    pieces = [head, tail]
    no_tail = (frac == 0) | ~finite | zero
    if no_tail.any():
        pieces[1] = pc.if_else(pa.array(no_tail), "", tail)
    if tiny.any():
        exponent = pc.utf8_lpad(pc.cast(pa.array(-e), pa.string()), 2, "0")
        pieces.append(pc.if_else(pa.array(tiny), pc.binary_join_element_wise("e-", exponent, ""),
                                 ""))
    minus_zero = negative & (whole == 0) & ~zero & finite  # -0.5: "-0" ".5"
    if minus_zero.any():
        pieces[0] = pc.if_else(pa.array(minus_zero), "-0", pieces[0])
    pieces[0] = _zero_and_null(pieces[0], zero, finite, null)
    if huge.any():  # one at a time
        rows = np.flatnonzero(huge)
        pieces = [pc.replace_with_mask(pieces[0], pa.array(huge),
                                       pa.array([_json_cell(x) for x in v[rows]], pa.string())),
                  *[pc.if_else(pa.array(huge), "", p) for p in pieces[1:]]]
    return pieces


def string_tokens(values: Any, *, null: str = "null") -> pa.Array:
    """`json_text` of every cell (a string, or null for a missing one)."""
    cells = None
    arr = _texts(values)
    if arr is None:  # a mixed or unencodable column: every cell by the definition
        cells = np.asarray(values, dtype=object)
        return pa.array([_json_cell(c) if c is not None else null for c in cells], pa.string())
    out = pc.binary_join_element_wise('"', arr, '"', "")
    out = pc.fill_null(out, null)
    if _plain_ascii(arr):  # the common case, settled by the bytes: nothing to escape
        return out
    special = pc.fill_null(pc.match_substring_regex(arr, _RE2_JSON_SPECIAL), False).to_numpy(
        zero_copy_only=False)
    if special.any():
        cells = arr.to_pylist() if cells is None else cells
        out = _patch(out, special, _json_cell, cells)
    return out


def _plain_ascii(arr: Any) -> bool:
    """True when every byte of the cells' text is printable ASCII other than '"' and
    '\\' (0x20-0x7e): then no cell needs escaping. Three comparisons over the bytes
    cost about 1 ns a byte, the RE2 match of `_RE2_JSON_SPECIAL` cell by cell more than
    twice that; a False sends the array to the match, which finds the cells."""
    try:
        for b in string_bytes(arr):
            # b - 0x20 wraps below 0x20: one comparison finds the controls and 0x7f and up.
            if ((np.subtract(b, 0x20, dtype=np.uint8) >= 0x5F).any() or (b == 0x22).any()
                    or (b == 0x5C).any()):
                return False
    except TypeError:  # not text
        return False
    return True


def _json_tokens(series: Any) -> list[pa.Array]:
    """The tokens of a column, as pieces to put in a line one after the other."""
    values = series.to_numpy() if isinstance(series, pd.Series) and not isinstance(
        series.dtype, pd.StringDtype) else series
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        out = number_pieces(values)
        assert out is not None
        return out
    return [string_tokens(series)]


def _lines(parts: list[Any]) -> memoryview:
    """One kernel call joins literal pieces and token arrays into lines; the bytes of
    all of them, in order, straight from the arrow buffer."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    joined = pc.binary_join_element_wise(*merged, "")
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[
        joined.offset: joined.offset + len(joined) + 1]
    data = joined.buffers()[2]
    if data is None:
        return memoryview(b"")
    # No copy: the view keeps the arrow buffer alive until the bytes are written.
    return memoryview(data)[int(offsets[0]): int(offsets[-1])]


def _key(name: str) -> str:
    return json_text(str(name), indent=None)


def _chunk_messages(checks: Sequence[Any], lo: int, hi: int, encode: Any,
                    sep: str) -> pa.Array | None:
    """Per row of [lo, hi): every broken constraint's message (`ConstraintCheck.messages`
    of the chunk's rows, made with the chunk on its thread), encoded, in constraint
    order, `sep` between them; None: no constraints."""
    if not checks:
        return None
    empty = pa.repeat(pa.scalar("", pa.string()), hi - lo)
    pieces = []
    before = np.zeros(hi - lo, dtype=bool)  # rows with a message already: sep first
    for check in checks:
        broken = check.violated[lo:hi]
        if not broken.any():
            continue
        # The chunk's rows, not a mask over all of them: a full-length mask per chunk
        # made the messages of n rows cost n x chunks.
        at = np.flatnonzero(broken)
        tokens = encode(check.messages(rows=lo + at))
        if before[at].any():
            tokens = pc.binary_join_element_wise(pc.if_else(pa.array(before[at]), sep, ""),
                                                 tokens, "")
        pieces.append(pc.replace_with_mask(empty, pa.array(broken), tokens))
        before |= broken
    if not pieces:
        return empty
    return pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]


def _workers() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 4))
    except AttributeError:  # not on every platform
        return max(1, min(os.cpu_count() or 1, 4))


def _chunked(n: int, make: Callable[[int, int], memoryview], *, trim: bool = True
             ) -> Iterator[bytes | memoryview]:
    """make(lo, hi) for each chunk of rows, in order (with `trim`, the last line ends
    "\n", not ",\n": the end of a JSON list).

    Chunks are independent, and the kernels release the GIL: they are made on a few
    threads, at most one more in flight than there are threads (memory stays bounded)."""
    bounds = [(lo, min(lo + CHUNK_ROWS, n)) for lo in range(0, n, CHUNK_ROWS)]
    last = len(bounds) - 1
    workers = _workers()
    if workers == 1 or last < 1:
        for k, (lo, hi) in enumerate(bounds):
            yield from _finish(make(lo, hi), trim and k == last)
        return
    with ThreadPoolExecutor(workers) as pool:
        ahead = iter(bounds)
        pending = deque(pool.submit(make, lo, hi)
                        for lo, hi in itertools.islice(ahead, workers + 1))
        k = 0
        while pending:
            data = pending.popleft().result()
            following = next(ahead, None)
            if following is not None:
                pending.append(pool.submit(make, *following))
            yield from _finish(data, trim and k == last)
            k += 1


def _finish(data: memoryview, last: bool) -> Iterator[memoryview | bytes]:
    # Lines end ",\n"; the list's last one ends "\n".
    if last:
        yield data[:-2]
        yield b"\n"
    else:
        yield data


def _candidate_lines(a: Analysis, indent: str, names: pa.Array) -> Iterator[bytes | memoryview]:
    table = a.table
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib = a.contributions
    checks = a.checks

    def make(lo: int, hi: int) -> memoryview:
        part = table.iloc[lo:hi]
        parts: list[Any] = [indent + "{"]
        # Made before the loop: inference_monthly_usd reuses them when it equals the total.
        monthly = _json_tokens(part["monthly_cost_usd"])
        for j, key in enumerate(CORE_KEYS):
            parts.append(("" if j == 0 else ",") + _key(key) + ":")
            if key == "name":
                parts.append(names.slice(lo, hi - lo))
            elif key == "violations":
                listed = _chunk_messages(checks, lo, hi, string_tokens, ",")
                parts += ["[", listed, "]"] if listed is not None else ["[]"]
            elif key == "inference_monthly_usd" and np.array_equal(
                    part[key].to_numpy(), part["monthly_cost_usd"].to_numpy(), equal_nan=True):
                parts += monthly  # no fixed costs: the same numbers, the same tokens
            elif key == "monthly_cost_usd":
                parts += monthly
            else:
                parts += _json_tokens(part[key])
        parts.append("," + _key("contributions") + ":{")
        for j, column in enumerate(contrib.columns):
            parts.append(("" if j == 0 else ",") + _key(column) + ":")
            parts += number_pieces(contrib[column].to_numpy()[lo:hi]) or []
        parts.append("}")
        for key in extra:
            parts += ["," + _key(key) + ":", *_json_tokens(part[key])]
        parts.append("},\n")
        return _lines(parts)

    return _chunked(len(table), make)


def _delta_lines(frame: pd.DataFrame, indent: str, names: pa.Array | None
                 ) -> Iterator[bytes | memoryview]:
    def make(lo: int, hi: int) -> memoryview:
        part = frame.iloc[lo:hi]
        parts: list[Any] = [indent + "{"]
        for j, key in enumerate(frame.columns):
            parts.append(("" if j == 0 else ",") + _key(key) + ":")
            parts += ([names.slice(lo, hi - lo)] if key == "name" and names is not None
                      else _json_tokens(part[key]))
        parts.append("},\n")
        return _lines(parts)

    return _chunked(len(frame), make)


def _map_lines(names: pa.Array, tokens: Any, indent: str) -> Iterator[bytes | memoryview]:
    """The entries of a {name: value} object, one per line as json.dumps(indent=2)."""
    return _chunked(len(names), lambda lo, hi: _lines(
        [indent, names.slice(lo, hi - lo), ": ", tokens(lo, hi), ",\n"]))


def _member(key: str, value: Any, level: int, last: bool = False) -> bytes:
    pad = "  " * level
    body = json_text(value).rstrip("\n").replace("\n", "\n" + pad)
    return f"{pad}{_key(key)}: {body}{'' if last else ','}\n".encode()


def json_chunks(analysis: Analysis, extra_notes: list[str] | None = None, *,
                sweep_detail: bool = False, evaluation: Evaluation | None = None,
                robustness: Callable[[], Robustness | None] | None = None,
                ) -> Iterator[bytes | memoryview]:
    """The JSON document of `workbench analyze --format json`, as UTF-8 pieces.

    Keys are a contract (README, "The JSON document"). Layout: two-space indents,
    one compact line per candidate and per accuracy-delta row (a million of them are
    most of the bytes). `robustness`, when given, is asked for the robustness block
    when it is written, after the candidates (the CLI computes it beside them);
    otherwise the evaluation's is written."""
    a = analysis
    yield b"{\n"
    yield _member("workload", workload_dict(a), 1)
    yield _member("constraints", constraints_dict(a), 1)
    yield _member("criteria", [
        {"column": c.column, "direction": c.direction, "weight": clean(c.weight),
         "scale": c.scale, "given_as": c.given_as}
        for c in a.criteria
    ], 1)
    yield _member("normalization", a.scenario.scoring.normalization, 1)
    yield _member("cost_column", a.cost_column, 1)
    texts = _texts(a.table["name"])
    # Once: the candidates, the delta rows and the sweep's maps all list the names.
    names = string_tokens(texts if texts is not None else a.table["name"])
    yield b'  "candidates": [\n'
    yield from _candidate_lines(a, "    ", names)
    yield b"  ],\n"
    yield _member("frontier", list(a.frontier), 1)
    yield _member("recommendation", recommendation_dict(a), 1)
    yield _member("no_recommendation_reason", a.no_recommendation_reason, 1)
    steps = sweep_list(a, texts)
    if not sweep_detail or not steps:
        yield _member("volume_sweep", steps, 1)
    else:
        yield from _sweep_detail(a, steps, names)
    delta = a.accuracy_delta
    if delta is None:
        yield _member("accuracy_delta", None, 1)
    else:
        yield b'  "accuracy_delta": {\n'
        yield _member("baseline", delta.baseline, 2)
        yield _member("baseline_reason", delta.baseline_reason, 2)
        yield _member("error_cost_usd", clean(delta.error_cost_usd), 2)
        yield _member("value_of_one_point_usd", clean(delta.value_of_one_point_usd), 2)
        yield b'    "rows": [\n'
        rows = delta.rows.reset_index(drop=True)
        same_names = "name" in rows.columns and _same_cells(rows["name"], texts,
                                                            a.table["name"])
        yield from _delta_lines(rows, "      ", names if same_names else None)
        yield b"    ]\n  },\n"
    from workbench.views import evaluation_json as ej

    ranking = ej.ranking_dict(a)
    yield _member("rank_by", ranking["rank_by"], 1)
    yield _member("matrix_pick", ranking["matrix_pick"], 1)
    yield _member("pricing", ej.pricing_dict(a), 1)
    if evaluation is not None:
        yield _member("cost_questions", ej.cost_questions_dict(evaluation.cost_questions), 1)
        robust = evaluation.robustness if robustness is None else robustness()
        yield _member("robustness", ej.robustness_dict(robust), 1)
        yield _member("routing", None if evaluation.routing is None
                      else evaluation.routing.to_json_dict(), 1)
    yield _member("notes", [*(extra_notes or []), *a.notes], 1, last=True)
    yield b"}\n"


def _same_cells(column: pd.Series, texts: pa.Array | None, reference: pd.Series) -> bool:
    """Whether `column` holds the cells of `reference` (whose arrow text is `texts`), in
    order: compared as arrow text when both are text (a million names in milliseconds),
    else cell by cell."""
    other = _texts(column) if texts is not None else None
    if other is not None:
        return bool(other.equals(texts))
    return np.array_equal(column.to_numpy(dtype=object), reference.to_numpy(dtype=object))


def _sliced_tokens(column: np.ndarray) -> Callable[[int, int], pa.Array | None]:
    """`number_tokens` of rows lo:hi of one column, as `_map_lines` asks for them (a
    function, not a lambda in the loop: it keeps its own column, whenever it runs)."""
    return lambda lo, hi: number_tokens(column[lo:hi])


def _sweep_detail(a: Analysis, steps: list[dict[str, Any]], names: pa.Array
                  ) -> Iterator[bytes | memoryview]:
    s = a.volume_sweep
    assert s is not None
    yield b'  "volume_sweep": [\n'
    for j, step in enumerate(steps):
        yield b"    {\n"
        for key, value in step.items():
            yield _member(key, value, 3)
        yield b'      "monthly_cost_usd": {\n'
        yield from _map_lines(names, _sliced_tokens(s.monthly_cost_usd[:, j]), "        ")
        yield b'      },\n      "feasible": {\n'
        yield from _map_lines(names, _sliced_tokens(s.feasible[:, j]), "        ")
        yield b"      }\n    }" + (b",\n" if j < len(steps) - 1 else b"\n")
    yield b"  ],\n"


def to_json(analysis: Analysis, extra_notes: list[str] | None = None, *,
            sweep_detail: bool = False, evaluation: Evaluation | None = None) -> str:
    return b"".join(json_chunks(analysis, extra_notes, sweep_detail=sweep_detail,
                                evaluation=evaluation)).decode()


def to_dict(analysis: Analysis, extra_notes: list[str] | None = None, *,
            sweep_detail: bool = False, evaluation: Evaluation | None = None) -> dict[str, Any]:
    """The JSON document as Python values (exactly what a reader of `to_json` gets)."""
    doc: dict[str, Any] = json.loads(to_json(analysis, extra_notes, sweep_detail=sweep_detail,
                                             evaluation=evaluation))
    return doc


def candidate_records(analysis: Analysis) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = to_dict(analysis)["candidates"]
    return records


# ------------------------------------------------------------------------------ CSV

_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: Any) -> Any:
    """Text a spreadsheet shows but never runs: control characters become visible
    escapes first (a raw carriage return would split the row and let a later "=" start
    a cell of its own), then text that would start a formula gets a "'" prefix."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    if value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


def _csv_row(values: list[Any]) -> str:
    # The one-row definition: every text cell quoted, nothing inside one can end the
    # row or the cell.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerow(
        [csv_safe(v) for v in values])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    """The token the csv module writes for `csv_safe(value)`."""
    return _csv_row([value])[:-1]


def _csv_number(value: Any, null: str) -> str:
    v = clean(value)
    return null if v is None else _csv_cell(v)


def csv_text_tokens(values: Any, *, null: str = '""') -> pa.Array:
    """`csv_safe` and the csv module's quoting of every text cell."""
    arr = _texts(values)
    if arr is None:
        cells = np.asarray(values, dtype=object)
        return pa.array([_csv_number(c, null) for c in cells], pa.string())
    guard = pc.fill_null(pc.match_substring_regex(arr, r"^[=+\-@]"), False)
    body = pc.replace_substring(arr, '"', '""')
    out = pc.binary_join_element_wise('"', pc.if_else(guard, "'", ""), body, '"', "")
    out = pc.fill_null(out, null)
    special = pc.fill_null(pc.match_substring_regex(arr, _RE2_CONTROL), False).to_numpy(
        zero_copy_only=False)
    if special.any():
        out = _patch(out, special, _csv_cell, arr.to_pylist())
    return out


def _csv_tokens(series: pd.Series, null: str = '""') -> list[pa.Array]:
    if not isinstance(series.dtype, pd.StringDtype):
        values = series.to_numpy()
        if values.dtype.kind in "biuf":
            out = number_pieces(values, null=null, true="True", false="False")
            assert out is not None
            return out
    return [csv_text_tokens(series, null=null)]


def csv_chunks(analysis: Analysis) -> Iterator[bytes | memoryview]:
    """`workbench analyze --format csv`: one row per candidate in rank order."""
    a = analysis
    table = a.table
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib = a.contributions
    header = [*CORE_KEYS, *[f"contribution_{c}" for c in contrib.columns], *extra]
    yield _csv_row(header).encode()
    checks = a.checks

    def make(lo: int, hi: int) -> memoryview:
        part = table.iloc[lo:hi]
        parts: list[Any] = []
        for key in CORE_KEYS:
            if parts:
                parts.append(",")
            if key == "violations":
                listed = _chunk_messages(checks, lo, hi, lambda m: m, "; ")
                parts.append(csv_text_tokens(listed) if listed is not None else '""')
            else:
                parts += _csv_tokens(part[key])
        for column in contrib.columns:
            # A missing contribution was written as an empty, unquoted cell.
            parts += [",", *(number_pieces(contrib[column].to_numpy()[lo:hi], null="",
                                           true="True", false="False") or [])]
        for key in extra:
            parts += [",", *_csv_tokens(part[key])]
        parts.append("\n")
        return _lines(parts)

    yield from _chunked(len(table), make, trim=False)


def to_csv(analysis: Analysis) -> str:
    return b"".join(csv_chunks(analysis)).decode()


_MD_SPECIAL = str.maketrans({
    "\\": "\\\\", "|": "\\|", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
    "~": "\\~", "&": "&amp;", "<": "&lt;", ">": "&gt;",
})
# What starts a heading, bullet, rule or numbered item at the start of a line ("# x",
# "- x", "---", "1. x"); "-5", "#1" and "0.550" start nothing and stay as they are.
_MD_LEAD = re.compile(r"^(?:#{1,6}|[+=-]+|\d{1,9}[.)])(?=\s|$)")


def md_escape(text: Any) -> str:
    """Make any value safe as inline GitHub markdown: in a table cell, list item or prose.

    One line, no HTML (< > & become entities), no code spans, links or emphasis, no
    terminal control characters (shown as U+FFFD), and nothing at the start that
    GitHub would read as a heading, list or quote.
    """
    s = one_line(text).translate(_MD_SPECIAL)
    lead = _MD_LEAD.match(s)
    if lead:  # a backslash before the punctuation: "\# x", "1\. x"
        end = lead.end() - 1
        s = s[:end] + "\\" + s[end:]
    return s


def md_table(header: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    """A GitHub table; `align` is one char per column: l, r or c. Every cell is escaped."""
    align = align or "l" * len(header)
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = [
        "| " + " | ".join(md_escape(h) for h in header) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_escape(v) for v in row) + " |")
    return "\n".join(lines)


def to_markdown(analysis: Analysis, extra_notes: list[str] | None = None) -> str:
    """The analysis as GitHub markdown tables (the memo adds prose around these)."""
    a = analysis
    out: list[str] = ["# Analysis", ""]
    if a.recommendation:
        out.append(f"**Recommendation:** {md_escape(a.recommendation.name)}: "
                   f"{md_escape(a.recommendation.reason)}")
    else:
        out.append(f"**No recommendation:** {md_escape(a.no_recommendation_reason)}")
    # Tables show the first rows by rank (CSV and JSON list them all): a markdown
    # document of a million candidates is not something anyone reads.
    rows = MARKDOWN_ROWS
    out += ["", "## Candidates", "", candidates_md(a, rows), "", "## Decision matrix", "",
            matrix_md(a, rows)]
    if a.volume_sweep is not None:
        out += ["", "## What-if: volume", "", sweep_md(a, MARKDOWN_SWEEP_COLUMNS)]
    if a.accuracy_delta is not None:
        out += ["", "## What-if: accuracy delta", "", delta_md(a, rows)]
    notes = [*(extra_notes or []), *a.notes]
    if notes:
        out += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in notes]
    return "\n".join(out) + "\n"


def _shown(a: Analysis, limit: int | None) -> int:
    return len(a.table) if limit is None else min(limit, len(a.table))


def more_md(a: Analysis, limit: int | None, what: str = "candidates") -> str:
    """"" or a line saying how many rows a table left out and where to find them."""
    hidden = len(a.table) - _shown(a, limit)
    if hidden <= 0:
        return ""
    return (
        f"\n\n{num(hidden)} more {what} not shown (top {num(_shown(a, limit))} by rank); "
        "`workbench analyze --format csv` lists all."
    )


def candidates_md(a: Analysis, limit: int | None = None) -> str:
    """Candidates in rank order with derived metrics and the limits each one breaks.

    `limit` keeps the first rows by rank (a 100k-row table is not a memo).
    """
    t = a.table
    has_volume = a.scenario.workload.volume_per_day is not None
    has_budget = a.scenario.constraints.monthly_budget_usd is not None
    header = ["Rank", "Candidate", "Accuracy", "Latency ms", "Cost / 1k"]
    align = "rlrrr"
    if has_volume:
        header += ["Monthly cost"]
        align += "r"
    header += ["Cost / 1% acc", "Cost / 1k correct"]
    align += "rr"
    if has_budget:
        header += ["Max volume / day in budget"]
        align += "r"
    header += ["Frontier", "Score", "Feasible"]
    align += "lrl"
    rows = []
    head = t.iloc[:_shown(a, limit)]  # slice first: a million-row column is slow to copy
    cols = {c: head[c].to_numpy() for c in (
        "rank", "name", "accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd",
        "cost_per_accuracy_point", "cost_per_1k_correct", "max_volume_per_day_in_budget",
        "pareto", "score", "feasible",
    )}
    for i in range(_shown(a, limit)):
        row = [int(cols["rank"][i]), cols["name"][i], pct(cols["accuracy"][i]),
               num(cols["latency_ms"][i]), usd(cols["cost_per_1k"][i], 4)]
        if has_volume:
            row.append(usd(cols["monthly_cost_usd"][i]))
        row += [usd(cols["cost_per_accuracy_point"][i], 4),
                usd(cols["cost_per_1k_correct"][i], 4)]
        if has_budget:
            row.append(num(cols["max_volume_per_day_in_budget"][i], 0))
        row += ["yes" if cols["pareto"][i] else "no", f"{cols['score'][i]:.3f}",
                "yes" if cols["feasible"][i] else "no: " + "; ".join(a.violations_at(i))]
        rows.append(row)
    return md_table(header, rows, align) + more_md(a, limit)


def weights_md(a: Analysis) -> str:
    """The resolved criteria: what each reads, which way is better, its weight."""
    rows = [
        [c.given_as, c.column, c.direction, c.scale, num(c.raw_weight, 3), f"{c.weight:.3f}"]
        for c in a.criteria
    ]
    return md_table(
        ["Criterion", "Column", "Better", "Scale", "Weight given", "Weight (sum 1)"],
        rows, "lllrrr",
    )


def normalized_md(a: Analysis, limit: int | None = None) -> str:
    """Each candidate's normalized value (0..1, 1 = best) per criterion."""
    header = ["Rank", "Candidate"] + [f"{c.column} ({c.direction})" for c in a.criteria]
    shown = _shown(a, limit)
    norm = {c.column: a.normalized[c.column].to_numpy()[:shown] for c in a.criteria}
    names = a.table["name"].iloc[:shown].to_numpy()
    ranks = a.table["rank"].to_numpy()[:shown]
    rows = [
        [int(ranks[i]), names[i]] + [f"{norm[c.column][i]:.3f}" for c in a.criteria]
        for i in range(shown)
    ]
    return md_table(header, rows, "rl" + "r" * len(a.criteria)) + more_md(a, limit)


def matrix_md(a: Analysis, limit: int | None = None) -> str:
    """Contributions (weight x normalized value) per criterion, their sum and the rank."""
    header = ["Rank", "Candidate"] + [
        f"{c.column} ({c.direction}, w={c.weight:.2f})" for c in a.criteria
    ] + ["Score"]
    shown = _shown(a, limit)
    contrib = {c.column: a.contributions[c.column].to_numpy()[:shown] for c in a.criteria}
    names = a.table["name"].iloc[:shown].to_numpy()
    ranks = a.table["rank"].to_numpy()[:shown]
    scores = a.table["score"].to_numpy()[:shown]
    rows = [
        [int(ranks[i]), names[i]]
        + [f"{contrib[c.column][i]:.3f}" for c in a.criteria]
        + [f"{scores[i]:.3f}"]
        for i in range(shown)
    ]
    return md_table(header, rows, "rl" + "r" * (len(a.criteria) + 1)) + more_md(a, limit)


def sweep_md(a: Analysis, limit: int | None = None) -> str:
    """Monthly cost per volume for the first `limit` candidates by rank (✗ = infeasible)."""
    s = a.volume_sweep
    assert s is not None
    shown = _shown(a, limit)
    names = a.table["name"].iloc[:shown].tolist()
    header = ["Volume / day", "Recommendation", *names]
    rows = []
    for j, m in enumerate(s.multipliers):
        cells = [
            usd(s.monthly_cost_usd[i, j]) + ("" if s.feasible[i, j] else " ✗")
            for i in range(shown)
        ]
        rows.append([f"{num(s.volumes_per_day[j])} (x{m:g})", s.recommendations[j] or "none",
                     *cells])
    return md_table(header, rows, "ll" + "r" * shown) + more_md(a, limit, "candidates' columns")


def delta_md(a: Analysis, limit: int | None = None) -> str:
    d = a.accuracy_delta
    assert d is not None
    has_net = "net_monthly_value_usd" in d.rows.columns
    header = ["Candidate", "Feasible", "Δ accuracy (pp)", "Errors avoided / month",
              "Δ monthly cost", "Cost per avoided error",
              *(["Net monthly value"] if has_net else [])]
    rows = []
    shown = _shown(a, limit)
    feasible = a.table["feasible"].to_numpy()[:shown]
    for i, rec in enumerate(d.rows.head(shown).to_dict(orient="records")):
        row = [rec["name"], "yes" if feasible[i] else "no", f"{rec['delta_accuracy_pp']:+.2f}",
               num(rec["errors_avoided_per_month"]),
               usd(rec["delta_monthly_cost_usd"]), usd(rec["cost_per_avoided_error_usd"], 4)]
        if has_net:
            row.append(usd(rec["net_monthly_value_usd"]))
        rows.append(row)
    return (
        f"Baseline: {md_escape(d.baseline)} ({md_escape(d.baseline_reason)}).\n\n"
        + md_table(header, rows, "llrrrr" + ("r" if has_net else ""))
        + more_md(a, limit)
    )
