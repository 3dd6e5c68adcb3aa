"""The decision memo: golden files, numbers against the engine, escaping, structure,
and the horizon-cost figures of workbench.tco with hand-computed values.

Regenerate the golden files after an intended change with
    UPDATE_GOLDEN=1 python -m pytest tests/unit/test_memo.py
and review the diff like code.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from workbench import tco
from workbench.analysis import Analysis, analyze
from workbench.views.export import md_escape, to_dict
from workbench.inputs import session_from_table
from workbench.evaluation import evaluate
from workbench.views.memo import SECTIONS, fence, render_memo
from workbench.model import (
    Constraints,
    Criterion,
    Decision,
    Scenario,
    Scoring,
    Session,
    Source,
    WhatIf,
    Workload,
)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SESSIONS = ROOT / "sessions"
EXAMPLES = sorted(SESSIONS.glob("*.toml"))
HOSTILE = "a|b`c<script>alert(1)</script>"


def load(path: Path) -> tuple[Session, list[str]]:
    from workbench.session import load_session

    return load_session(path)


def section(memo: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", memo, re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r}"
    return match.group(1)


def headings(memo: str) -> list[str]:
    """Level-2 headings outside code fences."""
    out, in_fence = [], False
    for line in memo.split("\n"):
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("## "):
            out.append(line[3:])
    return out


def table_rows(text: str) -> list[list[str]]:
    """Cells of every markdown table row in `text`, split on unescaped pipes only."""
    rows = []
    for line in text.split("\n"):
        if line.startswith("| ") and not line.startswith("| :") and not line.startswith("| -"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([c.strip() for c in cells])
    return rows


def numbers(text: str) -> list[float]:
    """Every number written in `text` (1,500 -> 1500; 90.00% -> 90.0)."""
    text = re.sub(r"\([^()]*\)", lambda m: m.group(0) if "$" in m.group(0) or "%" in m.group(0)
                  or "ms" in m.group(0) or "vs" in m.group(0) else "", text)
    return [float(x.replace(",", "")) for x in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", text)]


# ------------------------------------------------------------------------- goldens


def retail_from_csv() -> Session:
    session, _ = session_from_table(ROOT / "sample_data" / "retail_checkout.csv")
    return session.with_scenario(
        workload=Workload(volume_per_day=500_000),
        constraints=Constraints(max_latency_ms=200, monthly_budget_usd=15_000),
    ).with_(
        title="Retail checkout (built from the CSV)",
        modified="2026-11-22T17:45:14+00:00",
        # Relative, so the golden file is the same on every machine.
        source=Source(path="sample_data/retail_checkout.csv", sha256=session.source.sha256),
    )


def no_volume() -> Session:
    session, _ = session_from_table(ROOT / "sample_data" / "imagenet_5.csv")
    return session.with_(title="ImageNet 5, no volume, no limits", source=Source())


def hostile() -> Session:
    frame = pd.DataFrame({
        "name": [HOSTILE, "evil\x1b[31mred\nsecond line", "# not a heading", "1. not a list"],
        "accuracy": [91.0, 90.0, 85.0, 80.0],
        "latency_ms": [30.0, 20.0, 10.0, 5.0],
        "cost_per_1k": [1.0, 0.9, 0.5, 0.2],
        "fixed_monthly_usd": [100.0, 0.0, 0.0, 0.0],
        "one_time_usd": [1200.0, 0.0, 0.0, 0.0],
    })
    return Session(
        scenario=Scenario(frame, Workload(volume_per_day=1000), Constraints(min_accuracy=81)),
        title="Hostile <b>title</b> | with `ticks` ```",
        notes="<img src=x onerror=alert(1)>\n- a list?\n```",
        decision=Decision(chosen="evil\x1b[31mred\nsecond line", rationale="because | `x` <i>"),
    )


def golden_cases() -> list[tuple[str, Any]]:
    cases: list[tuple[str, Any]] = [
        ("retail_csv_memo.md", lambda: (retail_from_csv(), None, None)),
        ("no_volume_memo.md", lambda: (no_volume(), None, None)),
        ("hostile_memo.md", lambda: (hostile(), None, None)),
    ]
    for path in EXAMPLES:
        stem = path.stem.replace("_checkout", "").replace("_budget", "").replace("_edge_gpu", "")

        def make(path: Path = path) -> tuple[Session, list[str], Path]:
            session, notes = load(path)
            return session, notes, path

        cases.append((f"{stem}_memo.md", make))
    return cases


@pytest.mark.parametrize("name,make", golden_cases(), ids=[c[0] for c in golden_cases()])
def test_golden(name: str, make: Any) -> None:
    session, notes, path = make()
    memo = render_memo(session, notes=notes, session_path=path)
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(memo.encode("utf-8"))
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1"
    assert memo.encode("utf-8") == golden.read_bytes()


def test_expected_goldens_for_the_example_sessions() -> None:
    names = {n for n, _ in golden_cases()}
    assert {"retail_memo.md", "mobile_app_memo.md", "model_zoo_memo.md"} <= names
    assert len(EXAMPLES) >= 3


# ------------------------------------------------------------ numbers vs the engine


@pytest.fixture(scope="module")
def retail() -> tuple[Session, list[str], Analysis, str]:
    session, notes = load(SESSIONS / "retail_checkout.toml")
    a = analyze(session.scenario)
    return session, notes, a, render_memo(session, notes=notes, analysis=a)


def test_retail_recommendation_sentence_numbers(retail: tuple[Session, list[str], Analysis, str]) -> None:
    _, _, a, memo = retail
    doc = to_dict(a)
    rec = section(memo, "Recommendation")
    pick = doc["candidates"][0]
    runner = doc["candidates"][1]
    assert doc["recommendation"]["name"] == pick["name"] == "MobileNet-SSD edge (on-device)"
    assert doc["recommendation"]["runner_up"] == runner["name"] == "ResNet-50 FPN (mid-tier CNN)"
    assert (pick["monthly_cost_usd"], pick["accuracy"], pick["latency_ms"]) == (1500, 90, 20)
    first = rec.strip().split("\n")[0]
    assert first == (
        "**Recommendation: MobileNet-SSD edge (on-device)** at 500,000 inferences/day: "
        "$1,500/month, 90.00% accuracy, 20 ms latency."
    )
    assert "runner-up, ResNet-50 FPN (mid-tier CNN) ($75,000/month, 95.00% accuracy, 100 ms" in rec
    assert_numbers_from_engine(rec, doc, a)


def assert_numbers_from_engine(text: str, doc: dict[str, Any], a: Analysis) -> None:
    """Every number in `text` is a figure of the JSON document, as printed."""
    for rec in doc["candidates"][:2]:  # "ResNet-152" is a name, not a figure
        text = text.replace(rec["name"], "NAME")
    allowed: list[float] = [doc["workload"]["volume_per_day"] or 0]
    for rec in doc["candidates"][:2]:
        allowed += [rec["monthly_cost_usd"] or 0, rec["accuracy"], rec["latency_ms"],
                    rec["cost_per_1k"], rec["score"], *rec["contributions"].values()]
        for v in a.violations_at(doc["candidates"].index(rec)):
            allowed += [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", v)]
    if doc["recommendation"] and doc["recommendation"]["score_gap"] is not None:
        allowed.append(doc["recommendation"]["score_gap"])
    for x in numbers(text):
        # Money from $100 up is shown to the dollar: $292.50 reads "$292".
        assert any(math.isclose(x, round(v, 3), abs_tol=0.0015) or math.isclose(x, v, rel_tol=1e-3)
                   or (abs(v) >= 100 and abs(x - v) <= 0.5)
                   for v in allowed if v is not None), f"{x} is not an engine figure"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_memo_numbers_match_the_engine(path: Path) -> None:
    session, notes = load(path)
    ev = evaluate(session, path.parent)
    a = ev.analysis
    doc = to_dict(a, notes)
    memo = render_memo(session, notes=notes, session_path=path, evaluation=ev)
    assert_numbers_from_engine(section(memo, "Recommendation"), doc, a)
    from workbench.fmt import num, pct, usd

    rows = table_rows(section(memo, "Candidates"))
    header, body = rows[0], rows[1:]
    assert len(body) == min(25, len(doc["candidates"]))
    col = {h: i for i, h in enumerate(header)}
    for cells, rec in zip(body, doc["candidates"]):
        assert cells[col["Rank"]] == str(rec["rank"])
        assert cells[col["Accuracy"]] == pct(rec["accuracy"])
        assert cells[col["Latency ms"]] == num(rec["latency_ms"])
        assert cells[col["Cost / 1k"]] == usd(rec["cost_per_1k"], 4)
        assert cells[col["Monthly cost"]] == usd(rec["monthly_cost_usd"])
        assert cells[col["Score"]] == f"{rec['score']:.3f}"
        assert cells[col["Frontier"]] == ("yes" if rec["pareto"] else "no")
        assert cells[col["Feasible"]].startswith("yes" if rec["feasible"] else "no")
    # Horizon totals: inference x horizon + fixed x horizon + one-time, which must
    # equal the engine's monthly cost x horizon.
    # With ledger items the total is the ledger's (monthly: tco_monthly_usd).
    horizon = doc["workload"]["horizon_months"]
    rows = table_rows(section(memo, "Total cost of ownership over the horizon"))
    total = next(i for i, h in enumerate(rows[0]) if h.startswith("Total"))
    for cells, rec in zip(rows[1:], doc["candidates"]):
        monthly = rec.get("tco_monthly_usd", rec["monthly_cost_usd"])
        assert cells[total] == usd(monthly * horizon)
    # The sweep table names the engine's recommendation at every volume.
    for cells, step in zip(table_rows(section(memo, "What-if: volume"))[1:], doc["volume_sweep"]):
        assert cells[1] == md_escape(step["recommendation"] or "none")
        assert cells[0].startswith(num(step["volume_per_day"]))
    frontier_text = section(memo, "Cost-accuracy frontier")
    assert ", ".join(md_escape(n) for n in doc["frontier"][:20]) in frontier_text


def test_recorded_choice_that_differs_is_called_out() -> None:
    path = SESSIONS / "model_zoo_edge_gpu.toml"
    if not path.exists():
        pytest.skip("example session missing")
    session, notes = load(path)
    decision = section(render_memo(session, notes=notes), "Decision")
    assert "differs from the recommendation, ConvNeXt-Tiny" in decision
    assert "ConvNeXt-Small" in decision


# ----------------------------------------------------------------------- structure


def test_sections_in_order(retail: tuple[Session, list[str], Analysis, str]) -> None:
    memo = retail[3]
    assert headings(memo) == [s for s in SECTIONS if s not in ("Routing", "Cost model")]
    assert memo.startswith("# Retail checkout: item detector for self-checkout lanes\n")


def test_routing_section_before_risks_with_a_one_line_note_on_failure(tmp_path: Path) -> None:
    session = retail_from_csv().with_(routing={
        "log": "missing.parquet", "cheap_cost_per_1k": 0.02, "expensive_cost_per_1k": 1.0,
    })
    memo = render_memo(session, session_path=tmp_path / "s.toml")
    assert headings(memo) == [s for s in SECTIONS if s != "Cost model"]
    body = section(memo, "Routing").strip()
    assert body.startswith("Routing not simulated:") and "\n" not in body


def test_routing_section_runs_the_simulation(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 400
    y = rng.random(n) < 0.1
    cheap = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    expensive = np.clip(np.where(y, 0.9, 0.1) + rng.normal(0, 0.1, n), 0, 1)
    lines = ["label,cheap_score,expensive_score"]
    lines += [f"{int(a)},{b:.6f},{c:.6f}" for a, b, c in zip(y, cheap, expensive)]
    (tmp_path / "log.csv").write_text("\n".join(lines) + "\n")
    session = retail_from_csv().with_(routing={
        "log": "log.csv", "cheap_cost_per_1k": 0.02, "expensive_cost_per_1k": 1.0,
        "target_accuracy": 90.0,
    })
    routing = section(render_memo(session, session_path=tmp_path / "s.toml"), "Routing")
    assert "Policy (cascade" in routing or "No cascade policy" in routing


def test_deterministic_and_uses_the_given_analysis() -> None:
    session = retail_from_csv()
    a = analyze(session.scenario)
    assert render_memo(session) == render_memo(session, analysis=a) == render_memo(session)


def test_session_file_sha256_in_method(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(b"hello")
    memo = render_memo(retail_from_csv(), session_path=path)
    method = section(memo, "Assumptions and method")
    assert "sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" in method
    assert "Session file x.toml" in memo and str(tmp_path) not in memo
    for formula in ("inference_monthly_usd       = cost_per_1k * monthly_volume / 1000",
                    "minmax  max: (x - min) / (max - min)",
                    "total_usd     = inference_usd + fixed_usd + one_time_usd"):
        assert formula in method


def test_no_recommendation_says_why() -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [70.0, 80.0], "latency_ms": [10.0, 20.0],
                          "cost_per_1k": [1.0, 2.0]})
    memo = render_memo(Session(Scenario(frame, constraints=Constraints(min_accuracy=90))))
    rec = section(memo, "Recommendation").strip()
    assert rec.startswith("**No candidate qualifies.** no candidate meets every constraint")
    assert "the best-scoring, a, violates accuracy 70.00% &lt; minimum 90.00%" in rec
    assert "No recommendation" in section(memo, "Risks")


# ------------------------------------------------------------------------- escaping


def test_hostile_names_cannot_break_tables_or_inject_html() -> None:
    memo = render_memo(hostile())
    assert "\x1b" not in memo
    # Outside code fences no "<" survives; inside them (the chart keys) a name is shown
    # as written, which GitHub renders as text, never as HTML.
    assert "<" not in outside_fences(memo)
    assert "a\\|b\\`c&lt;script&gt;alert(1)&lt;/script&gt;" in memo
    assert memo.startswith("# Hostile &lt;b&gt;title&lt;/b&gt; \\| with \\`ticks\\` \\`\\`\\`\n")
    # Every table row has as many cells as its header: no name added a column or a line.
    tables = [block for block in outside_fences(memo).split("\n\n") if block.startswith("| ")]
    assert len(tables) >= 8
    for block in tables:
        lines = block.split("\n")
        assert all(line.startswith("| ") and line.endswith(" |") for line in lines), block
        assert len({len(row) for row in table_rows(block)}) == 1, block
    assert "evil�\\[31mred second line" in section(memo, "Candidates")
    assert "\\# not a heading" in memo and "1\\. not a list" in memo
    assert "# not a heading" not in headings(memo)


def outside_fences(memo: str) -> str:
    out, opened = [], None
    for line in memo.split("\n"):
        m = re.match(r"^(`{3,})", line)
        if opened is None and m:
            opened = m.group(1)
        elif opened is not None and line.strip() == opened:
            opened = None
        elif opened is None:
            out.append(line)
    return "\n".join(out)


def test_code_fences_outlast_backticks_inside() -> None:
    assert fence("plain") == "```text\nplain\n```"
    assert fence("a ```` b") == "`````text\na ```` b\n`````"


def test_hostile_fences_are_balanced() -> None:
    memo = render_memo(hostile())
    # Outside fences, no line may be a stray fence opener created by user text.
    opened: str | None = None
    for line in memo.split("\n"):
        m = re.match(r"^(`{3,})", line)
        if m and opened is None:
            opened = m.group(1)
        elif m and opened is not None and line.strip() == opened:
            opened = None
    assert opened is None


@pytest.mark.parametrize("make", [retail_from_csv, no_volume, hostile])
def test_no_ansi_anywhere(make: Any) -> None:
    assert "\x1b" not in render_memo(make())


# ------------------------------------------------------------------------------ TCO


def test_horizon_cost_hand_computed() -> None:
    # cost_per_1k 2 at 1,000/day x 30 days: $60/month inference; fixed $100/month;
    # one-time $1,200; 12 months.
    h = tco.horizon_cost(np.array([60.0]), np.array([100.0]), np.array([1200.0]), 12)
    assert h.inference_usd[0] == 720  # 12 x 60
    assert h.fixed_usd[0] == 1200  # 12 x 100
    assert h.one_time_usd[0] == 1200
    assert h.total_usd[0] == 3120  # 720 + 1,200 + 1,200


def test_horizon_cost_missing_optional_costs_are_zero_and_no_volume_is_nan() -> None:
    h = tco.horizon_cost(np.array([10.0, np.nan]), None, np.array([np.nan, 5.0]), 6)
    assert h.total_usd[0] == 60
    assert math.isnan(h.total_usd[1])
    with pytest.raises(ValueError):
        tco.horizon_cost(np.array([1.0]), None, None, 0)


def test_tco_section_hand_computed() -> None:
    frame = pd.DataFrame({
        "name": ["with setup"], "accuracy": [90.0], "latency_ms": [10.0], "cost_per_1k": [2.0],
        "fixed_monthly_usd": [100.0], "one_time_usd": [1200.0],
    })
    session = Session(Scenario(frame, Workload(volume_per_day=1000, horizon_months=12)))
    a = analyze(session.scenario)
    assert a.table["monthly_cost_usd"].iat[0] == 260  # 60 + 100 + 1,200 / 12
    rows = table_rows(section(render_memo(session, analysis=a),
                              "Total cost of ownership over the horizon"))
    assert rows[1] == ["1", "with setup", "$720", "$1,200", "$1,200", "$3,120"]


def test_headroom_hand_computed() -> None:
    assert tco.headroom(1500, 15000, "<=") == (13500, 90.0)
    assert tco.headroom(190, 200, "<=") == (10, 5.0)
    room, share = tco.headroom(82.52, 82, ">=")
    assert room == pytest.approx(0.52) and share == pytest.approx(0.52 / 82 * 100)
    assert tco.headroom(110, 100, "<=") == (-10, -10.0)
    assert math.isnan(tco.headroom(1, 0, "<=")[1])
    with pytest.raises(ValueError):
        tco.headroom(1, 2, "<")


# --------------------------------------------------------------------------- risks


def risks_of(frame: pd.DataFrame, **kw: Any) -> str:
    return section(render_memo(Session(Scenario(frame, **kw))), "Risks")


def test_retail_risks_name_the_least_accurate_pick_and_the_single_feasible(
    retail: tuple[Session, list[str], Analysis, str]
) -> None:
    text = section(retail[3], "Risks")
    rows = table_rows(text[text.index("| Risk"):])
    assert [r[0] for r in rows[1:]] == [
        "The pick is the least accurate feasible candidate", "Only one candidate is feasible"]
    assert rows[1][1] == "1,500,000 errors a month (10.00% of 15,000,000)"
    assert "pays off above $0.0980 per error" in rows[1][2]
    assert rows[2][1] == "1 of 3 candidates"


def test_risk_near_budget_and_latency() -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [90.0, 80.0], "latency_ms": [95.0, 10.0],
                          "cost_per_1k": [1.0, 5.0]})
    # a: $1,500/month at 50,000/day; budget $1,600 leaves 6.25%; latency 95 of 100 ms, 5%.
    text = risks_of(frame, workload=Workload(volume_per_day=50_000),
                    constraints=Constraints(monthly_budget_usd=1600, max_latency_ms=100),
                    whatif=WhatIf(volume_multipliers=(1.0,)))
    assert "| Little budget headroom | 6.2% headroom ($100/month) |" in text
    assert "| Little latency headroom | 5.0% headroom (5 ms) |" in text


def test_risk_close_call() -> None:
    close = pd.DataFrame({"name": ["a", "b", "c"], "accuracy": [90.0, 89.9, 50.0],
                          "latency_ms": [10.0, 10.0, 100.0], "cost_per_1k": [1.0, 0.99, 5.0]})
    text = risks_of(close)
    assert "| Close call | a ranks first in 50% of 10,000 draws of weights |" in text


def test_risk_accuracy_drift() -> None:
    from workbench.model import Uncertainty

    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [82.5, 90.0], "latency_ms": [10.0, 10.0],
                          "cost_per_1k": [1.0, 2.0]})
    text = risks_of(frame, workload=Workload(volume_per_day=1000),
                    constraints=Constraints(min_accuracy=82, monthly_budget_usd=59),
                    uncertainty=Uncertainty(drift_pp_per_month=0.1))
    assert "Accuracy drifts under the minimum" in text


# ----------------------------------------------------------------------- big tables


def test_memo_of_100k_candidates_is_bounded_and_fast() -> None:
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    cost = rng.lognormal(0.0, 1.5, n)
    frame = pd.DataFrame({
        "name": [f"m{i}" for i in range(n)],
        "accuracy": np.clip(60 + 10 * np.log1p(cost) + rng.normal(0, 4, n), 0, 100),
        "latency_ms": rng.lognormal(3.5, 1.0, n),
        "cost_per_1k": cost,
    })
    session = Session(Scenario(frame, Workload(volume_per_day=100_000),
                               Constraints(monthly_budget_usd=5000, min_accuracy=70)))
    a = analyze(session.scenario)
    start = time.perf_counter()
    memo = render_memo(session, analysis=a)
    assert time.perf_counter() - start < 3.0
    assert "99,975 more candidates not shown" in memo
    assert len(memo) < 200_000


def test_cli_report_writes_the_memo(tmp_path: Path) -> None:
    from workbench.cli import main

    path = SESSIONS / "retail_checkout.toml"
    out = tmp_path / "memo.md"
    assert main(["report", str(path), "-o", str(out)]) == 0
    session, notes = load(path)
    assert out.read_text(encoding="utf-8") == render_memo(session, notes=notes, session_path=path)
