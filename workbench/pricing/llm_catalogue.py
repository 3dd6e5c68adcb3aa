"""LLM API prices per 1M tokens, looked up offline in the `genai-prices` package.

`genai-prices` (pydantic/genai-prices, MIT) ships its price data inside the package
(`genai_prices/data.py`), so a lookup never touches the network; the version pinned
in pyproject.toml fixes the data. A `price_ref` names a model as the provider's API
does ("gpt-4o-mini", "claude-sonnet-4-0"), optionally with the provider first
("openai:gpt-4o-mini", "anthropic/claude-sonnet-4-0"). The lookup returns:
    usd_per_1m_input_tokens        = the model's input price        (input_mtok)
    usd_per_1m_output_tokens       = the model's output price       (output_mtok)
    usd_per_1m_cached_input_tokens = the model's cache-read price   (cache_read_mtok)
as they apply on the date `as_of` (the data holds dated price changes). A price
tiered by prompt length (a "cliff": the whole request pays the tier's rate once its
input tokens exceed the tier's start) is resolved for the request's total input
tokens (input + cached). Prompt-cache writes, audio and image tokens, batch and
priority rates are not modelled. Each price used is recorded with its source
("genai-prices VERSION: provider model (pricing page)") and the date it applies on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from workbench.errors import InputError

PACKAGE = "genai-prices"


@dataclass(frozen=True)
class LlmPrice:
    provider: str  # genai-prices provider id: "openai", "anthropic", "google", ...
    provider_name: str
    model: str  # genai-prices model id
    name: str
    usd_per_1m_input_tokens: float | None
    usd_per_1m_output_tokens: float | None
    usd_per_1m_cached_input_tokens: float | None
    tiered: bool  # some price depends on the prompt length (the base tier is shown)
    source: str
    as_of: str  # ISO date the prices apply on

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.model}"


@lru_cache(maxsize=1)
def package_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # pragma: no cover - it is a core dependency
        return "unknown"


def _snapshot() -> Any:
    try:
        from genai_prices.data_snapshot import get_snapshot
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise InputError(
            f"the LLM price catalogue needs the {PACKAGE} package ({exc}); "
            f"pip install {PACKAGE}"
        ) from None
    return get_snapshot()


def _timestamp(as_of: date) -> datetime:
    return datetime.combine(as_of, time(12, 0), tzinfo=UTC)


def _price(value: Any, input_tokens: float | None) -> tuple[float | None, bool]:
    """(USD per 1M tokens, tiered?) of one genai-prices price at a prompt length."""
    if value is None:
        return None, False
    if isinstance(value, Decimal):
        return float(value), False
    base = getattr(value, "base", None)
    tiers = getattr(value, "tiers", None)
    if base is None or tiers is None:
        return None, False
    chosen = base
    if input_tokens is not None:
        # As genai-prices does: the highest tier whose start the input tokens exceed.
        for tier in sorted(tiers, key=lambda t: t.start, reverse=True):
            if input_tokens > tier.start:
                chosen = tier.price
                break
    return float(chosen), True


def _entry(provider: Any, model: Any, as_of: date, input_tokens: float | None) -> LlmPrice:
    prices = model.get_prices(_timestamp(as_of))
    p_in, t_in = _price(getattr(prices, "input_mtok", None), input_tokens)
    p_out, t_out = _price(getattr(prices, "output_mtok", None), input_tokens)
    p_cached, t_cached = _price(getattr(prices, "cache_read_mtok", None), input_tokens)
    url = (provider.pricing_urls or [""])[0]
    source = f"{PACKAGE} {package_version()}: {provider.id} {model.id}" + (
        f" ({url})" if url else ""
    )
    return LlmPrice(
        provider=provider.id, provider_name=provider.name, model=model.id,
        name=model.name or model.id, usd_per_1m_input_tokens=p_in,
        usd_per_1m_output_tokens=p_out, usd_per_1m_cached_input_tokens=p_cached,
        tiered=t_in or t_out or t_cached, source=source, as_of=as_of.isoformat(),
    )


def lookup_llm(
    ref: str, as_of: date | None = None, input_tokens: float | None = None
) -> LlmPrice:
    """The prices of the model `ref` names, on `as_of` (today when None).

    `input_tokens` (input + cached per request) picks the tier of a tiered price;
    None gives the base tier. An unknown reference is an InputError with close names.
    """
    as_of = as_of or date.today()
    text = ref.strip()
    if not text:
        raise InputError("price_ref is empty")
    snap = _snapshot()
    attempts: list[tuple[str, str | None]] = []
    if ":" in text:
        provider, _, model = text.partition(":")
        attempts.append((model.strip(), provider.strip()))
    else:
        attempts.append((text, None))
        if "/" in text:
            provider, _, model = text.partition("/")
            attempts.append((model.strip(), provider.strip()))
    for model_ref, provider_id in attempts:
        try:
            provider, model = snap.find_provider_model(model_ref, None, provider_id, None)
        except LookupError:
            continue
        return _entry(provider, model, as_of, input_tokens)
    close = difflib.get_close_matches(text.lower(), _model_keys(), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise InputError(
        f"price_ref {ref!r} is not in the LLM price catalogue ({PACKAGE} "
        f"{package_version()}){hint}; give usd_per_1m_input_tokens and "
        "usd_per_1m_output_tokens instead, or see `workbench prices --kind llm`"
    )


@lru_cache(maxsize=1)
def _model_keys() -> list[str]:
    keys: list[str] = []
    for provider in _snapshot().providers:
        for model in provider.models:
            keys.append(model.id)
            keys.append(f"{provider.id}:{model.id}")
    return keys


def list_llm(as_of: date | None = None) -> list[LlmPrice]:
    """Every model of the catalogue with a price per input or output token."""
    as_of = as_of or date.today()
    out: list[LlmPrice] = []
    for provider in _snapshot().providers:
        for model in provider.models:
            try:
                entry = _entry(provider, model, as_of, None)
            except Exception:  # noqa: BLE001 - a malformed entry is skipped, not fatal
                continue
            if entry.usd_per_1m_input_tokens is None and entry.usd_per_1m_output_tokens is None:
                continue
            out.append(entry)
    return out
