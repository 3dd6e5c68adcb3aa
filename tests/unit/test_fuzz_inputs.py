"""Fuzzing the front door: any table text and any session text end well.

"Well" means one of two things, checked on every example:
- exit 0 with a JSON document whose numbers are all finite, or
- exit 2 with exactly one line on stderr, starting "workbench: error: ".
Never a traceback, never the internal-error exit (70), never NaN in the output.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cli import main

HEADERS = [
    "name", "Model", "accuracy", "Accuracy (%)", "top1", "latency_ms", "Latency (sec)",
    "p95 us", "cost_per_1k", "$/1k", "cost per image", "price_per_1m", "fixed monthly usd",
    "setup cost", "maintainability", "params_m", "notes", "", "name", "acc\x1b[2J",
]
CELLS = [
    "1", "90", "95.5", "0.93", "1,250", "0,5", "1.250,5", "$0.02", "95%", "1e308", "1e-300",
    "-5", "", "NaN", "inf", "TRUE", "false", "n/a", "2.5M", "$15k", "9" * 400, "'=1+1'",
    "\x1b]0;x\x07", "a\u200bb", "\u202eevil", "x;y", '"q"', "100", "0", "-0", "1e6", "12 000",
]
DELIMS = [",", ";", "\t"]


def run_analyze(path: Path, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["analyze", str(path), "--format", "json", *extra])
    return code, out.getvalue(), err.getvalue()


def _finite(value: Any) -> None:
    if isinstance(value, float):
        assert value == value and abs(value) != float("inf")
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v)
    elif isinstance(value, list):
        for v in value:
            _finite(v)


def assert_ends_well(code: int, out: str, err: str) -> None:
    from hypothesis import event

    event(f"exit {code}")
    assert code in (0, 2), f"exit {code}: {err}"
    if code == 2:
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].startswith("workbench: error: "), err
        assert "\x1b" not in err
        return

    def refuse(token: str) -> None:
        raise AssertionError(f"non-finite JSON constant {token}")

    doc = json.loads(out, parse_constant=refuse)
    _finite(doc)


@st.composite
def table_texts(draw: st.DrawFn) -> str:
    delim = draw(st.sampled_from(DELIMS))
    if draw(st.booleans()):
        # Mostly well-formed: the four required columns, numbers in many spellings,
        # so that both outcomes (a result and a refusal) are explored.
        headers = ["name", "accuracy", "latency_ms", "cost_per_1k"]
        headers += draw(st.lists(st.sampled_from(HEADERS[12:17]), max_size=2, unique=True))
        width = len(headers)
        clean = ["1", "90", "95.5", "5", "7.5", "0.25", "12", "$15k", "1,250", "2.5M"]
        numbers = st.sampled_from(clean * 6 + [c for c in CELLS if c not in clean])
        rows = [
            ["m" + str(i) + draw(st.sampled_from(["", "\u200b", " x"]))]
            + [draw(st.sampled_from(["90", "95.5", "88%", "91", "92", "93", "101"]))]
            + draw(st.lists(numbers, min_size=width - 2, max_size=width - 2))
            for i in range(draw(st.integers(1, 6)))
        ]
    else:
        width = draw(st.integers(2, 6))
        headers = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
        rows = draw(st.lists(
            st.lists(st.one_of(st.sampled_from(CELLS), st.text(max_size=6)),
                     min_size=max(1, width - 1), max_size=width + 1),
            min_size=0, max_size=6,
        ))

    def cell(text: str) -> str:
        if any(ch in text for ch in (delim, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [delim.join(cell(h) for h in headers)]
    lines += [delim.join(cell(c) for c in row) for row in rows]
    return "\n".join(lines) + "\n"


SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(text=table_texts(), volume=st.sampled_from([None, "1000", "500k"]))
def test_any_table_text_ends_in_a_result_or_one_line(text: str, volume: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        extra = ["--volume-per-day", volume, "--budget", "100"] if volume else []
        assert_ends_well(*run_analyze(path, *extra))


BASE_SESSION = """\
schema_version = 1
title = "Fuzz"

[decision]
chosen = "a"

[workload]
volume_per_day = 1000
days_per_month = 30
horizon_months = 12

[constraints]
max_latency_ms = 200
monthly_budget_usd = 100
min_accuracy = 80

[scoring]
normalization = "minmax"

[[scoring.criteria]]
column = "accuracy"
direction = "max"
weight = 0.5

[[scoring.criteria]]
column = "cost"
weight = 0.5
scale = "log10"

[whatif]
baseline = "b"
volume_multipliers = [0.5, 1, 2]

[[candidates]]
name = "a"
accuracy = 90
latency_ms = 10
cost_per_1k = 1
params_m = 5

[[candidates]]
name = "b"
accuracy = 95
latency_ms = 20
cost_per_1k = 2
"""
VALUES = [
    "0", "-1", "1e308", "1e-320", "nan", "inf", "true", '"x"', '"a"', "[]", "[1, 2]", "{}",
    '"\\u001b[2J"', "2026-01-01", '"cost"', '"log10"', '"ratio"', "101", "99999999999999999",
    "{ a = 1 }", '"vector"', '"min"', '"b\\u200b"',
]


@st.composite
def session_texts(draw: st.DrawFn) -> str:
    lines = BASE_SESSION.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "drop", "dup", "key"]))
        if action == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(VALUES))}"
        elif action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        else:
            key = draw(st.sampled_from(["zz", "weight", "name", "accuracy", "column", "max"]))
            lines.insert(i, f"{key} = {draw(st.sampled_from(VALUES))}")
        if not lines:
            lines = ["schema_version = 1"]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=session_texts())
def test_any_session_text_ends_in_a_result_or_one_line(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_text(text, encoding="utf-8")
        assert_ends_well(*run_analyze(path))
