"""The bundled price catalogues: the instance CSV is checked, LLM prices are offline."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.pricing.catalogue import (
    COLUMNS,
    PROVIDERS,
    find_instance,
    load_catalogue,
    parse_catalogue,
)
from workbench.pricing.llm_catalogue import list_llm, lookup_llm
from workbench.pricing.plans import PLANS, effective_hourly

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2025, 6, 1)


def test_bundled_catalogue_covers_the_issue() -> None:
    entries = load_catalogue()
    assert len(entries) >= 12
    assert {e.provider for e in entries} == set(PROVIDERS)
    accelerators = " ".join(e.accelerator for e in entries)
    for needed in ("T4", "L4", "A10G", "A100", "H100", "none"):
        assert needed in accelerators
    for e in entries:
        assert e.source_url.startswith("https://")
        assert e.date_read[:4].isdigit() and e.region and e.note
        assert e.reserved_3y_usd_per_hour <= e.reserved_1y_usd_per_hour <= e.on_demand_usd_per_hour
        assert e.spot_usd_per_hour <= e.on_demand_usd_per_hour


def test_list_prices_read_back_exactly() -> None:
    t4 = find_instance("aws:g4dn.xlarge")
    assert (t4.accelerator, t4.accelerator_count, t4.region) == ("T4", 1, "us-east-1")
    assert [t4.listed(p) for p in PLANS] == [0.526, 0.331, 0.227, 0.21]
    assert find_instance("G5.XLARGE").on_demand_usd_per_hour == 1.006  # case-insensitive


def test_spot_carries_its_interruption_overhead() -> None:
    t4 = find_instance("g4dn.xlarge")
    assert t4.hourly("spot", 0.10) == pytest.approx(0.231)  # 0.21 * 1.10
    assert t4.hourly("spot", 0.0) == 0.21
    assert t4.hourly("reserved_3y", 0.10) == 0.227  # only spot pays it
    assert effective_hourly(2.0, "spot", 0.25) == 2.5
    with pytest.raises(ValueError):
        effective_hourly(1.0, "monthly")


def test_unknown_instance_names_the_closest() -> None:
    with pytest.raises(InputError) as err:
        find_instance("g4dn.xlarg")
    assert "g4dn.xlarge" in str(err.value) and "hourly_usd" in str(err.value)


def _csv(rows: list[str]) -> str:
    return ",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n"


GOOD = "aws,x1,T4,1,4,16,1.0,0.6,0.4,0.3,us-east-1,https://example.com/p,2024-12,n"


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (GOOD.replace(",0.6,", ",1.2,"), "reserved_1y_usd_per_hour", "above on-demand"),
        (GOOD.replace(",0.4,", ",0.7,"), "reserved_3y_usd_per_hour", "above reserved 1 year"),
        (GOOD.replace(",0.3,", ",1.5,"), "spot_usd_per_hour", "above on-demand"),
        (GOOD.replace("1.0,", "-1.0,", 1), "on_demand_usd_per_hour", "> 0"),
        (GOOD.replace("1.0,", "abc,", 1), "on_demand_usd_per_hour", "not a number"),
        (GOOD.replace("aws,", "ibm,", 1), "provider", "not one of"),
        (GOOD.replace("T4,1,", "none,1,", 1), "accelerator_count", "does not fit"),
        (GOOD.replace("https://", "http://"), "source_url", "https"),
        (GOOD.replace("2024-12", "Dec 2024"), "date_read", "not a date"),
        (GOOD.replace("us-east-1", ""), "region", "empty"),
    ],
)
def test_catalogue_rows_are_checked(row: str, column: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_catalogue(_csv([GOOD.replace("x1", "x0"), row]), "cat.csv")
    assert (err.value.row, err.value.column) == (2, column)
    assert fragment in str(err.value)


def test_catalogue_header_and_duplicates() -> None:
    with pytest.raises(InputError, match="missing note"):
        parse_catalogue(",".join(COLUMNS[:-1]) + "\n", "cat.csv")
    with pytest.raises(InputError, match="listed twice"):
        parse_catalogue(_csv([GOOD, GOOD]), "cat.csv")
    assert len(parse_catalogue(_csv([GOOD]), "cat.csv")) == 1


def test_llm_prices_are_offline_and_dated(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the LLM price lookup touched the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    mini = lookup_llm("gpt-4o-mini", DAY)
    assert (mini.provider, mini.model) == ("openai", "gpt-4o-mini")
    assert (mini.usd_per_1m_input_tokens, mini.usd_per_1m_output_tokens,
            mini.usd_per_1m_cached_input_tokens) == (0.15, 0.6, 0.075)
    assert mini.as_of == "2025-06-01" and mini.source.startswith("genai-prices 0.2.3: openai")
    assert lookup_llm("openai:gpt-4o-mini", DAY) == mini
    sonnet = lookup_llm("anthropic/claude-sonnet-4-0", DAY)
    assert (sonnet.usd_per_1m_input_tokens, sonnet.usd_per_1m_output_tokens) == (3.0, 15.0)
    assert len(list_llm(DAY)) > 100


def test_tiered_llm_price_follows_the_prompt_length() -> None:
    # gemini-1.5-flash: $0.075 per 1M input tokens up to 128k tokens, $0.15 above.
    assert lookup_llm("gemini-1.5-flash", DAY, 1000).usd_per_1m_input_tokens == 0.075
    long = lookup_llm("gemini-1.5-flash", DAY, 200_000)
    assert (long.usd_per_1m_input_tokens, long.usd_per_1m_output_tokens, long.tiered) == (0.15, 0.6, True)


def test_unknown_price_ref_is_refused_with_suggestions() -> None:
    with pytest.raises(InputError) as err:
        lookup_llm("gpt-4o-minni", DAY)
    message = str(err.value)
    assert "not in the LLM price catalogue" in message and "gpt-4o-mini" in message
    assert "usd_per_1m_input_tokens" in message
