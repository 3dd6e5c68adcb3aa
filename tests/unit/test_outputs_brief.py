"""The one-page brief (workbench.views.brief): golden files for every example session,
at most 60 lines whatever the input, figures checked by hand, names escaped, and the
`workbench report --brief` command.

Regenerate the golden files after an intended change with
    UPDATE_GOLDEN=1 python -m pytest tests/unit/test_outputs_brief.py
and review the diff like code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.evaluation import evaluate
from workbench.model import Constraints, Decision, Scenario, Session, Workload
from workbench.session import load_session
from workbench.views.brief import MAX_LINES, render_brief

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted((ROOT / "sessions").glob("*.toml"))


def brief_of(path: Path) -> str:
    session, _ = load_session(path)
    return render_brief(evaluate(session, path.parent), path)


def lines(text: str) -> list[str]:
    assert text.endswith("\n")
    return text[:-1].split("\n")


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, title
    return match.group(1).strip("\n")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_golden_brief_of_each_example(path: Path) -> None:
    text = brief_of(path)
    golden = GOLDEN / f"brief_{path.stem}.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(text.encode("utf-8"))
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == golden.read_bytes()
    assert len(lines(text)) <= MAX_LINES == 60


def test_every_example_has_a_golden_brief() -> None:
    assert len(EXAMPLES) >= 5
    assert {f"brief_{p.stem}.md" for p in EXAMPLES} <= {p.name for p in GOLDEN.iterdir()}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_brief_sections_in_order(path: Path) -> None:
    heads = [ln[3:] for ln in lines(brief_of(path)) if ln.startswith("## ")]
    assert heads == ["Recommendation", "Key figures", "What would change the decision",
                     "Main risks", "Decision"]


def test_retail_brief_by_hand() -> None:
    """Retail: 500,000/day x 30 days = 15M a month. MobileNet at $0.10 per 1k costs
    $1,500/month; ResNet-50 FPN at $5 per 1k costs $75,000 > the $15,000 budget. The
    pick loses once its cost is 10x ($15,000, the budget): a 900% rise."""
    text = brief_of(ROOT / "sessions" / "retail_checkout.toml")
    rec = section(text, "Recommendation")
    sentences = rec.split(". ")
    assert sentences[0] == ("**Recommend MobileNet-SSD edge (on-device)**: $1,500/month, 90.00% "
                            "accuracy, 20 ms at 500,000 inferences/day")
    assert sentences[1] == ("It is the only one of 3 candidates that meets every constraint: the "
                            "next best on score, ResNet-50 FPN (mid-tier CNN), breaks monthly cost "
                            "$75,000 &gt; budget $15,000")
    assert sentences[2].startswith("It stays the pick unless its cost rises 900%")
    rows = [r for r in section(text, "Key figures").split("\n") if r.startswith("| ")]
    assert rows[2] == "| 1 | MobileNet-SSD edge (on-device) | $1,500 | 90.00% | 20 ms | 0.550 | yes |"
    assert rows[3].startswith("| 2 | ResNet-50 FPN (mid-tier CNN) | $75,000 | 95.00% | 100 ms |")
    changes = section(text, "What would change the decision")
    # The sweep runs x0.1 .. x10 of 500,000/day: at 50,000/day ResNet-50 FPN costs $7,500,
    # within budget, so it is the pick; at 125,000/day it costs $18,750: over.
    assert ("- Volume: between 50,000 and 125,000/day the pick changes from ResNet-50 FPN "
            "(mid-tier CNN) to MobileNet-SSD edge (on-device).") in changes
    # ResNet-50 FPN fits once its cost falls to $15,000/month: -80%.
    assert "- If ResNet-50 FPN (mid-tier CNN)'s cost falls 80%:" in changes
    decision = section(text, "Decision")
    assert decision.startswith("**Chosen: MobileNet-SSD edge (on-device)** by Checkout ML review "
                               "(J. Alvarez, P. Okafor) on 2026-11-12. It is the recommendation.")


def test_model_zoo_brief_says_the_choice_differs() -> None:
    text = brief_of(ROOT / "sessions" / "model_zoo_edge_gpu.toml")
    decision = section(text, "Decision")
    assert "**Chosen: ConvNeXt-Small**" in decision
    assert "It differs from the recommendation (ConvNeXt-Tiny): $42.95/month" in decision
    assert "Top 5 of 36 candidates by rank." in section(text, "Key figures")


HOSTILE = "a|b`c<script>alert(1)</script>"


def hostile_session(n: int = 4) -> Session:
    names = [HOSTILE, "evil\x1b[31mred\nsecond line", "# not a heading", "1. not a list"]
    names += [f"model {i} | x" for i in range(n - len(names))]
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "name": names[:n],
        "accuracy": np.r_[[91.0, 90.0, 85.0, 80.0], rng.uniform(60, 95, max(n - 4, 0))][:n],
        "latency_ms": np.r_[[30.0, 20.0, 10.0, 5.0], rng.uniform(1, 300, max(n - 4, 0))][:n],
        "cost_per_1k": np.r_[[1.0, 0.9, 0.5, 0.2], rng.uniform(0.01, 3, max(n - 4, 0))][:n],
        "provider": ["openai"] * n,
    })
    return Session(
        scenario=Scenario(frame, Workload(volume_per_day=1000),
                          Constraints(min_accuracy=81, monthly_budget_usd=40, max_latency_ms=250)),
        title="Hostile <b>title</b> | with `ticks`\n# and a heading",
        decision=Decision(chosen=HOSTILE, rationale="because | `x` <i>\n\n## heading\n- list",
                          decided_by="<b>me</b>"),
    )


@pytest.mark.parametrize("n", [4, 400])
def test_hostile_names_are_escaped_and_the_brief_stays_one_page(n: int) -> None:
    text = render_brief(evaluate(hostile_session(n)))
    assert len(lines(text)) <= MAX_LINES
    assert "<script" not in text and "<b>" not in text and "<i>" not in text
    assert "\x1b" not in text
    assert "a\\|b\\`c&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # Headings are only the brief's own: the title's "# and a heading" was folded.
    assert [ln for ln in lines(text) if ln.startswith("#")] == [
        "# Hostile &lt;b&gt;title&lt;/b&gt; \\| with \\`ticks\\` # and a heading",
        "## Recommendation", "## Key figures", "## What would change the decision",
        "## Main risks", "## Decision"]
    # Every table row has the header's number of cells (no name split a row).
    rows = [r for r in section(text, "Key figures").split("\n") if r.startswith("| ")]
    cells = {len(re.split(r"(?<!\\)\|", r.strip())) for r in rows}
    assert len(cells) == 1


def test_no_recommendation_brief() -> None:
    session = hostile_session(4).with_scenario(constraints=Constraints(min_accuracy=99))
    text = render_brief(evaluate(session))
    rec = section(text, "Recommendation")
    assert rec.startswith("**No candidate qualifies.**")
    assert "0 of 4 candidates meet every constraint." in rec
    assert section(text, "What would change the decision") == (
        "- Nothing to change: no candidate qualifies.")
    assert len(lines(text)) <= MAX_LINES


def test_no_decision_recorded() -> None:
    session = hostile_session(4).with_(decision=Decision())
    decision = section(render_brief(evaluate(session)), "Decision")
    assert decision.split("\n")[0] == "No decision recorded yet."


# ------------------------------------------------------------------------------- CLI


def test_cli_brief_to_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "sessions" / "mobile_app_budget.toml"
    assert main(["report", str(path), "--brief"]) == 0
    out = capsys.readouterr().out
    assert out == brief_of(path)
    target = tmp_path / "brief.md"
    assert main(["report", str(path), "--brief", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == out


def test_cli_brief_never_overwrites_the_session(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    session = tmp_path / "s.toml"
    session.write_bytes((ROOT / "sessions" / "retail_checkout.toml").read_bytes())
    before = session.read_bytes()
    assert main(["report", str(session), "--brief", "-o", str(session)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert session.read_bytes() == before
