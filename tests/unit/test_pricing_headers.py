"""Price sheet headers: per-token prices and hourly prices are never a cost per 1k.

The regression of issue #10: a table of two LLM APIs with headers "price per 1M input
tokens", "price per 1M output tokens" and "gpu $/hr", at 100,000 requests/day with
500 input and 200 output tokens per request, costs $585 and $13,500 a month, or is
refused with a message saying token counts are needed; never $0.45 and $9.
"""

from __future__ import annotations

import json

from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.columns import classify, match_headers
from workbench.errors import InputError
from workbench.analysis import analyze
from workbench.inputs import session_from_table
from workbench.loading import load_table
from workbench.model import Workload
from workbench.pricing import PricingDefaults, resolve_pricing

ISSUE_TABLE = (
    "model,accuracy,latency_ms,price per 1M input tokens,price per 1M output tokens,gpu $/hr\n"
    "gpt-4o-mini,82,900,0.15,0.60,\n"
    "claude-sonnet,88,1400,3.00,15.00,\n"
)


@pytest.mark.parametrize(
    ("header", "column", "factor"),
    [
        ("price per 1M input tokens", "usd_per_1m_input_tokens", 1.0),
        ("price per 1M output tokens", "usd_per_1m_output_tokens", 1.0),
        ("$/1M output", "usd_per_1m_output_tokens", 1.0),
        ("$/1M input", "usd_per_1m_input_tokens", 1.0),
        ("Cached input $/1M tokens", "usd_per_1m_cached_input_tokens", 1.0),
        ("price per 1k input tokens", "usd_per_1m_input_tokens", 1000.0),
        ("USD per output token", "usd_per_1m_output_tokens", 1e6),
        ("usd_per_1m_input_tokens", "usd_per_1m_input_tokens", 1.0),
        ("gpu $/hr", "hourly_usd", 1.0),
        ("USD/hour", "hourly_usd", 1.0),
        ("Cost per GPU-hour", "hourly_usd", 1.0),
        ("reserved $/hr", "hourly_usd", 1.0),
        ("hourly_usd", "hourly_usd", 1.0),
        ("throughput (req/s)", "throughput_per_s", 1.0),
        ("requests per second", "throughput_per_s", 1.0),
        ("qps", "throughput_per_s", 1.0),
        ("throughput (req/min)", "throughput_per_s", 1 / 60),
        ("throughput_per_s", "throughput_per_s", 1.0),
        ("tokens in", "input_tokens_per_request", 1.0),
        ("tokens out", "output_tokens_per_request", 1.0),
        ("avg prompt tokens", "input_tokens_per_request", 1.0),
        ("completion tokens", "output_tokens_per_request", 1.0),
        ("cached input tokens", "cached_input_tokens_per_request", 1.0),
        # Units that were clear keep converting as before.
        ("USD per 1M requests", "cost_per_1k", 0.001),
        ("$/1k", "cost_per_1k", 1.0),
        ("cost per image", "cost_per_1k", 1000.0),
    ],
)
def test_price_headers(header: str, column: str, factor: float) -> None:
    match = classify(header)
    assert match is not None
    assert (match.column, match.factor) == (column, pytest.approx(factor))


@pytest.mark.parametrize(
    "header",
    ["price per 1M tokens", "cost per token", "input price", "cache write $/1M tokens",
     "throughput (tokens/s)", "throughput_img_per_s", "max output tokens", "throughput",
     "requests per day", "tokens per request"],
)
def test_ambiguous_price_headers_are_never_a_cost_per_1k(header: str) -> None:
    match = classify(header)
    assert match is None or match.column != "cost_per_1k"


def test_issue_headers_are_read_as_token_and_hourly_prices() -> None:
    matches, _ = match_headers(ISSUE_TABLE.splitlines()[0].split(","))
    assert "cost_per_1k" not in matches
    assert {c: m.header for c, m in matches.items() if c not in ("name", "accuracy", "latency_ms")} == {
        "usd_per_1m_input_tokens": "price per 1M input tokens",
        "usd_per_1m_output_tokens": "price per 1M output tokens",
        "hourly_usd": "gpu $/hr",
    }


def test_issue_table_loads_and_is_refused_until_token_counts_are_given(tmp_path: Path) -> None:
    """A price sheet needs no cost_per_1k column; without token counts it cannot be
    priced, and the analysis says what to add instead of guessing."""
    path = tmp_path / "llm.csv"
    path.write_text(ISSUE_TABLE)
    frame = load_table(path).frame
    assert np.isnan(frame["cost_per_1k"]).all()  # to be derived by the pricing engine
    assert frame["usd_per_1m_output_tokens"].tolist() == [0.60, 15.0]
    session, _ = session_from_table(path)
    with pytest.raises(InputError) as err:
        analyze(session.with_scenario(workload=Workload(volume_per_day=100_000)).scenario)
    message = str(err.value)
    assert "row 1" in message and "usd_per_1m_input_tokens" in message
    assert "input_tokens_per_request" in message and "output_tokens_per_request" in message


def test_issue_table_cli_prices_585_and_13500_or_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example: 100,000 requests/day at 500 input and 200 output tokens."""
    path = tmp_path / "llm.csv"
    path.write_text(ISSUE_TABLE)
    assert main(["analyze", str(path), "--volume-per-day", "100000", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "input_tokens_per_request" in err
    assert "0.45" not in err and "$9" not in err
    assert main(["analyze", str(path), "--volume-per-day", "100k", "--input-tokens", "500",
                 "--output-tokens", "200", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    monthly = {c["name"]: c["monthly_cost_usd"] for c in doc["candidates"]}
    assert monthly == {"gpt-4o-mini": 585, "claude-sonnet": 13_500}
    per_1k = {c["name"]: c["cost_per_1k"] for c in doc["candidates"]}
    assert per_1k == {"gpt-4o-mini": 0.195, "claude-sonnet": 4.5}
    assert {c["name"]: c["priced_as"] for c in doc["candidates"]} == {
        "gpt-4o-mini": "per_token", "claude-sonnet": "per_token"}


def test_mapping_a_token_price_onto_cost_per_1k_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "llm.csv"
    path.write_text(ISSUE_TABLE)
    with pytest.raises(InputError, match="price per token, not per request"):
        load_table(path, {"cost_per_1k": "price per 1M input tokens"})
    with pytest.raises(InputError, match="price per instance-hour"):
        load_table(path, {"cost_per_1k": "gpu $/hr"})


def test_issue_table_with_token_counts_prices_585_and_13500(tmp_path: Path) -> None:
    # With a cost_per_1k column present (as the loader still requires) the price
    # columns load beside it, converted; the cost model prices the rows per token.
    path = tmp_path / "llm.csv"
    lines = ISSUE_TABLE.splitlines()
    path.write_text("\n".join([lines[0] + ",cost_per_1k,tokens in,tokens out",
                               lines[1] + ",,500,200", lines[2] + ",,500,200"]) + "\n")
    assert np.isnan(load_table(path).frame["cost_per_1k"]).all()  # priced per token instead
    path.write_text("\n".join([lines[0] + ",cost_per_1k,tokens in,tokens out",
                               lines[1] + ",0,500,200", lines[2] + ",0,500,200"]) + "\n")
    frame = load_table(path).frame
    assert frame["usd_per_1m_input_tokens"].tolist() == [0.15, 3.0]
    assert frame["input_tokens_per_request"].tolist() == [500, 500]
    assert np.isnan(frame["hourly_usd"]).all()
    priced = resolve_pricing(frame, PricingDefaults(), 100_000)
    assert priced.modes == ("per_token", "per_token")  # not the placeholder cost_per_1k
    assert priced.inference_monthly_usd.tolist() == pytest.approx([585.0, 13_500.0])
    assert len(priced.notes) == 2  # each says which of its prices was used


def test_issue_numbers_with_session_token_defaults() -> None:
    import pandas as pd

    frame = pd.DataFrame({"name": ["gpt-4o-mini", "claude-sonnet"],
                          "usd_per_1m_input_tokens": [0.15, 3.0],
                          "usd_per_1m_output_tokens": [0.60, 15.0],
                          "hourly_usd": [np.nan, np.nan]})
    priced = resolve_pricing(frame, PricingDefaults(input_tokens_per_request=500,
                                                    output_tokens_per_request=200), 100_000)
    assert priced.inference_monthly_usd.tolist() == pytest.approx([585.0, 13_500.0])
    assert 0.45 not in priced.inference_monthly_usd.round(2).tolist()
    with pytest.raises(InputError, match="tokens per request"):
        resolve_pricing(frame, PricingDefaults(), 100_000)
