"""``workbench prices``: list and search the bundled price catalogues.

Instances (USD per instance-hour under each plan, with region, source and the date
read) and LLM APIs (USD per 1M tokens from the genai-prices package, on a date). The
engine (`workbench.pricing.listing`) finds the rows; this module only formats them.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from workbench.errors import InputError
from workbench.fmt import clip, one_line
from workbench.pricing.listing import KINDS, PriceRow, llm_catalogue_label, search


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="*", default=[], metavar="QUERY",
                        help="words that must all appear in the provider, name or "
                        "accelerator (e.g. 'a100', 'gpt-4o', 'aws t4')")
    parser.add_argument("--kind", choices=KINDS, help="only instances or only LLM APIs")
    parser.add_argument("--provider", metavar="P",
                        help="only this provider (aws, gcp, azure, openai, anthropic, ...)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the date LLM prices are taken on (default: today)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _money(x: float | None) -> str:
    if x is None:
        return "-"
    # Enough digits for list prices ($0.01875, $32.7726) without float noise.
    digits = 6 if x < 1 else 4 if x < 100 else 2
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".")


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(header), *(line(r) for r in rows)]


def to_text(rows: list[PriceRow], as_of: date) -> str:
    out: list[str] = []
    inst = [r for r in rows if r.kind == "instance"]
    llm = [r for r in rows if r.kind == "llm"]
    if inst:
        # 80 columns: the region and the date read go with each source below the table.
        out.append("Instances: USD per instance-hour (reserved: per hour of the term; "
                   "spot: typical)")
        body = [[clip(one_line(f"{r.provider}:{r.name}"), 30), clip(one_line(r.detail), 12),
                 *(_money(r.prices[p]) for p in ("on_demand", "reserved_1y", "reserved_3y",
                                                  "spot"))] for r in inst]
        out += _table(["INSTANCE", "ACCELERATOR", "ON-DEM", "RES-1Y", "RES-3Y", "SPOT"], body,
                      {2, 3, 4, 5})
        out.append("Sources (region, date read):")
        seen: list[tuple[str, str | None, str, str]] = []
        for r in inst:
            key = (r.provider, r.region, r.date, r.source)
            if key not in seen:
                seen.append(key)
                out.append(f"  {r.provider} ({r.region}, {r.date}): {one_line(r.source)}")
        out.append("")
    if llm:
        out.append(f"LLM APIs: USD per 1M tokens on {as_of.isoformat()} ({llm_catalogue_label()})")
        if any(r.tiered for r in llm):
            out.append("* tiered by prompt length: the base tier is shown")
        body = [[clip(one_line(r.provider), 12),
                 clip(one_line(r.name), 36) + ("*" if r.tiered else ""),
                 _money(r.prices["input"]), _money(r.prices["output"]),
                 _money(r.prices["cached_input"])] for r in llm]
        out += _table(["PROVIDER", "MODEL", "INPUT", "OUTPUT", "CACHED"], body, {2, 3, 4})
        out.append(f"Source: each provider's pricing page, as recorded by "
                   f"{llm_catalogue_label()}")
        out.append("(the page of each model: --format json)")
        out.append("")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    import sys

    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise InputError(f"--as-of: {args.as_of!r} is not a date (YYYY-MM-DD)") from None
    else:
        as_of = date.today()
    query = " ".join(args.query)
    rows = search(query, args.kind, args.provider, as_of)
    if args.format == "json":
        payload = {
            "query": query, "kind": args.kind, "provider": args.provider,
            "as_of": as_of.isoformat(), "llm_catalogue": llm_catalogue_label(),
            "count": len(rows), "prices": [r.to_dict() for r in rows],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not rows:
        what = " ".join(p for p in (repr(query) if query else "",
                                     f"--kind {args.kind}" if args.kind else "",
                                     f"--provider {args.provider}" if args.provider else "") if p)
        sys.stdout.write(f"no catalogue entry matches {what or 'that'}\n")
        return 0
    sys.stdout.write(to_text(rows, as_of))
    return 0
