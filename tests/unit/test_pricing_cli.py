"""`workbench prices`: list and search the bundled catalogues, as text or JSON."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["prices", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_instances_as_text_fit_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--kind", "instance"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["INSTANCE", "ACCELERATOR", "ON-DEM", "RES-1Y", "RES-3Y", "SPOT"]
    t4 = next(line for line in lines if line.startswith("aws:g4dn.xlarge "))
    assert t4.split() == ["aws:g4dn.xlarge", "1x", "T4", "0.526", "0.331", "0.227", "0.21"]
    assert "  aws (us-east-1, 2024-12): https://aws.amazon.com/ec2/pricing/on-demand/" in out
    assert all(len(line) <= 80 for line in lines if "https://" not in line)


def test_search_words_and_provider(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["h100", "--provider", "azure"], capsys)
    rows = [line for line in out.splitlines() if line.startswith("azure:")]
    assert [r.split()[0] for r in rows] == ["azure:Standard_NC40ads_H100_v5",
                                             "azure:Standard_ND96isr_H100_v5"]
    _, out, _ = run(["aws", "t4"], capsys)
    assert [line.split()[0] for line in out.splitlines() if line.startswith("aws:")] == [
        "aws:g4dn.xlarge", "aws:g4dn.12xlarge"]


def test_llm_prices_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["gpt-4o-mini", "--kind", "llm", "--provider", "openai", "--as-of",
                        "2025-06-01", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == "2025-06-01" and data["llm_catalogue"] == "genai-prices 0.2.3"
    mini = next(p for p in data["prices"] if p["name"] == "gpt-4o-mini")
    assert mini["prices"] == {"input": 0.15, "output": 0.6, "cached_input": 0.075}
    assert (mini["unit"], mini["date"], mini["kind"]) == ("USD per 1M tokens", "2025-06-01", "llm")
    assert mini["source"].startswith("genai-prices 0.2.3: openai gpt-4o-mini (https://")


def test_instance_json_has_source_and_date(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["g5.xlarge", "--kind", "instance", "--format", "json"], capsys)
    (row,) = json.loads(out)["prices"]
    assert row["prices"] == {"on_demand": 1.006, "reserved_1y": 0.634, "reserved_3y": 0.435,
                             "spot": 0.4}
    assert (row["unit"], row["region"], row["date"]) == ("USD per instance-hour", "us-east-1",
                                                         "2024-12")
    assert row["source"] == "https://aws.amazon.com/ec2/pricing/on-demand/"


def test_no_match_and_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["no-such-model-anywhere"], capsys)
    assert (code, out) == (0, "no catalogue entry matches 'no-such-model-anywhere'\n")
    code, out, err = run(["--as-of", "2025-13-01"], capsys)
    assert code == 2 and out == "" and "--as-of" in err and "\n" == err[-1] and err.count("\n") == 1
