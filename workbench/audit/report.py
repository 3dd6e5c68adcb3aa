"""Pure renderers of an AuditResult: plain text (80 columns), markdown, JSON.

The views only choose words around the engine's figures. Names from the log and the
session (models, dimension values, headers) go through `fmt.printable` in text and
`md_escape` in markdown, so no name can drive a terminal or break a table; JSON keeps
every string exact.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from workbench.audit.anomalies import METRIC_LABELS, Anomaly
from workbench.audit.decompose import FACTOR_LABELS, FACTORS, UNIT_FACTORS
from workbench.audit.run import AuditResult
from workbench.fmt import clean, num, pct, printable, usd

VERDICT_WORDS = {"ok": "ok", "watch": "WATCH", "breaks": "BREAKS", "n/a": "n/a"}
STATUS_WORDS = {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}
DAILY_ROWS = 28
FLAGS = {"cost_usd": "$", "cost_per_1k": "U", "requests": "V", "p95_latency_ms": "L"}
METRICS_ORDER = tuple(FLAGS)  # text and markdown show the period's last days; JSON has them all


@dataclass(frozen=True)
class Episode:
    """Consecutive flagged days of one metric (a level shift flags until the rolling
    baseline catches up): its first day is the onset."""

    metric: str
    first: Anomaly
    days: int
    usd: float  # summed over the days

    @property
    def last_day(self) -> str:
        from datetime import timedelta

        return (self.first.day + timedelta(days=self.days - 1)).isoformat()


def episodes(anomalies: tuple[Anomaly, ...]) -> list[Episode]:
    """Runs of consecutive days per metric and direction, in onset order."""
    out: list[Episode] = []
    by_metric = sorted(anomalies, key=lambda a: (a.metric, a.day))
    for (metric, _), run in groupby(by_metric, key=lambda a: (a.metric, a.direction)):
        items = list(run)
        start = 0
        for i in range(1, len(items) + 1):
            if i == len(items) or (items[i].day - items[i - 1].day).days != 1:
                chunk = items[start:i]
                out.append(Episode(metric, chunk[0], len(chunk), sum(a.usd for a in chunk)))
                start = i
    out.sort(key=lambda e: (e.first.day, e.metric))
    return out


def _value(metric: str, v: float, compact: bool = False) -> str:
    if metric == "cost_usd":
        return usd(v)
    if metric == "cost_per_1k":
        return usd(v, 4)
    if metric == "requests":
        return num(v, 0) if compact else f"{num(v, 0)}/day"
    return f"{num(v)} ms"


def _figure(unit: str, v: Any) -> str:
    if clean(v) is None:
        return "-"
    if unit == "USD/1k":
        return usd(v, 4)
    if unit == "USD/month":
        return f"{usd(v)}/month"
    if unit == "per day":
        return f"{num(v, 0) if abs(float(v)) >= 1 else num(v)}/day"
    if unit == "ms":
        return f"{num(v)} ms"
    if unit == "%":
        return pct(v)
    if unit == "share":
        return f"{float(v):.1%}"
    return num(v)


def _signed(v: float, digits: int = 2) -> str:
    return ("+" if v > 0 else "") + usd(v, digits) if v != 0 else usd(0.0)


def _money(v: float) -> str:
    """Dollars with cents and a sign: +$19.42, -$0.00 never (a rounded zero is $0.00)."""
    if round(v, 2) == 0:
        return "$0.00"
    return f"{'+' if v > 0 else '-'}${abs(v):,.2f}"


SHORT_FACTORS = {"volume": "volume", "mix": "traffic mix", "unit_price": "unit price",
                 "work": "work per request", "batching": "batch efficiency"}
SHORT_METRICS = {"cost_usd": "cost", "cost_per_1k": "cost/1k", "requests": "volume",
                 "p95_latency_ms": "p95"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------- blocks
# ("h", title) | ("p", text) | ("l", list item) | ("t", (header, rows, align))
Block = tuple[str, Any]


def _blocks(r: AuditResult, daily_rows: int, compact: bool) -> list[Block]:
    """The report as blocks; `compact` fits tables in 80 columns (text), else every
    column (markdown)."""
    b = r.baseline
    out: list[Block] = []
    out.append(("p", f"Log: {num(r.rows, 0)} rows, {num(r.requests, 0)} requests, "
                     f"{r.first_day}..{r.last_day}. Deployed: "
                     + (f"{r.deployed} ({b.deployed_from})." if r.deployed
                        else "no candidate (the analysis has no pick).")))
    out.append(("p", f"Period {r.period} ({r.period.days} days)"
                + (f"; baseline {r.baseline_period} ({r.baseline_period.days} days)."
                   if r.baseline_period is not None
                   else "; no baseline period (the log is too short).")))
    _against(r, out, compact)
    _change(r, out, compact)
    _anomalies(r, out, compact)
    _refit(r, out)
    _criteria(r, out, compact)
    _daily(r, out, daily_rows)
    if r.notes:
        out.append(("h", "Notes"))
        out += [("l", str(n)) for n in r.notes]
    return out


def _against(r: AuditResult, out: list[Block], compact: bool) -> None:
    out.append(("h", "Against the decision"))
    header = ["Assumption", "Decision", "Production", "Limit", "Verdict"]
    rows = [[a.label, _figure(a.unit, a.assumed), _figure(a.unit, a.observed),
             _figure(a.unit, a.limit), VERDICT_WORDS[a.verdict]] + ([] if compact else [a.note])
            for a in r.assumptions]
    out.append(("t", (header + ([] if compact else ["Note"]), rows,
                      "lrrrl" + ("" if compact else "l"))))
    if compact:
        out += [("l", f"{a.label}: {a.note}") for a in r.assumptions if a.note]
    fixed = r.baseline.overhead_monthly_usd
    out.append(("p", f"Production is the period's: {num(r.observed.volume_per_day, 0)} "
                     f"requests/day, {usd(r.observed.cost_per_day)}/day"
                     + (f"; the run rate adds {usd(fixed)}/month of fixed costs." if fixed
                        else ".")))


def _change(r: AuditResult, out: list[Block], compact: bool) -> None:
    c = r.change
    out.append(("h", "Why the bill changed"))
    if c is None:
        out.append(("p", "Not computed: the log is too short for two periods."))
        return
    change_pct = c.change_pct
    total = c.change_usd_per_day
    out.append(("p", f"{usd(c.baseline_usd_per_day)}/day in {c.baseline} -> "
                     f"{usd(c.current_usd_per_day)}/day in {c.period}: {_money(total)}/day"
                     + (f" ({change_pct:+.1f}%)" if change_pct is not None else "")
                     + f", {_money(c.monthly(total))}/month at {num(c.days_per_month)} days. "
                       "Its exact parts (Shapley values, in any order the same):"))
    labels = SHORT_FACTORS if compact else FACTOR_LABELS
    rows = [[labels[f], _money(c.parts[f]), _money(c.monthly(c.parts[f])),
             f"{c.parts[f] / total:.0%}" if total else "-"] for f in FACTORS]
    rows.append(["total", _money(total), _money(c.monthly(total)), "100%" if total else "-"])
    out.append(("t", (["Factor", "Per day", "Per month", "Share"], rows, "lrrr")))
    if compact:
        out.append(("p", "Unit price: what a batch costs per unit of work per request; work "
                         "per request: tokens per request (1 without token counts); batch "
                         "efficiency: batches per request."))
    main = c.main_factor()
    if main is not None:
        out.append(("p", f"Mostly {FACTOR_LABELS[main]}."))
    if len(c.models) > 1:
        rows = [[_short(m.model, 22) if compact else m.model, _money(m.change),
                 *[_money(m.parts[f]) for f in FACTORS]] for m in c.models[:12]]
        out.append(("p", "By model, USD per day:"))
        out.append(("t", (["Model", "Change", "Volume", "Mix", "Price", "Work", "Batching"],
                          rows, "lrrrrrr")))
    w = c.where
    if w is None:
        return
    if w.named is not None:
        what = ("its requests cost more than the same requests did at the baseline"
                if w.named_part == "unit cost" else "requests moved to it")
        if (w.named_usd_per_day or 0) < 0:
            what = ("its requests cost less than at the baseline" if w.named_part == "unit cost"
                    else "requests moved away from it")
        out.append(("p", f"Where ({w.dimension}): {w.named}, {_money(w.named_usd_per_day or 0.0)}"
                         f"/day of {w.named_part} ({what})."))
    shown = w.values[:20]
    rows = [[_short(v.value, 14) if compact else v.value, usd(v.baseline_usd_per_day),
             usd(v.current_usd_per_day), _money(v.traffic_usd_per_day),
             *[_money(v.excess_parts[k]) for k in UNIT_FACTORS]]
            + ([] if compact else [_money(v.excess_usd_per_day)]) for v in shown]
    header = [w.dimension if not compact else _short(w.dimension, 14), "Baseline", "Period",
              "Traffic", "Price", "Work", "Batching"] + ([] if compact else ["Unit cost"])
    out.append(("p", f"By {w.dimension}, USD per day (traffic: requests moved at baseline "
                     "unit cost; price, work, batching: the unit cost's change on the "
                     "period's requests):"))
    out.append(("t", (header, rows, "lrrrrrr" + ("" if compact else "r"))))
    if len(w.values) > len(shown):
        out.append(("p", f"... and {len(w.values) - len(shown)} more values (JSON has all)."))


def _anomalies(r: AuditResult, out: list[Block], compact: bool) -> None:
    out.append(("h", "Anomalies"))
    eps = episodes(r.anomalies)
    settings = (f"lookback {r.lookback_days} days, robust z above {num(r.anomaly_threshold)}, "
                f"at least {usd(r.min_anomaly_usd)}")
    if not eps:
        out.append(("p", f"None ({settings})."))
        return
    out.append(("p", f"Days that leave their rolling baseline ({settings}). A run of days "
                     "shows its first day's figures and the run's total in dollars:"))
    rows = []
    for e in eps:
        a = e.first
        label = (SHORT_METRICS if compact else METRIC_LABELS)[e.metric]
        rows.append([a.day.isoformat(), num(e.days), f"{label} {a.direction}",
                     _value(e.metric, a.value, compact), _value(e.metric, a.expected, compact),
                     f"{a.z:.1f}", _money(a.usd), _money(e.usd)])
    out.append(("t", (["Day", "Days", "Metric", "Value", "Expected", "z", "USD", "Run USD"],
                      rows, "lrlrrrrr")))


def _refit(r: AuditResult, out: list[Block]) -> None:
    out.append(("h", "Still the right model?"))
    f = r.refit
    if f is None:
        out.append(("p", "Not re-analysed: the period has no requests."))
        return
    seen = "; ".join(
        f"{o.candidate}: {usd(o.cost_per_1k, 4)}/1k, {num(o.latency_ms)} ms mean"
        + (f", {pct(o.accuracy)}" if o.accuracy is not None else "")
        + (" (the whole log)" if o.source == "the whole log" else "")
        for o in f.observed)
    out.append(("p", f"Re-analysed at {num(f.volume_per_day, 0)} requests/day"
                     + (f" with {seen}" if seen else "") + f": {f.reason}."))
    if not f.holds and f.pick is not None and f.saving_pct is not None:
        out.append(("p", f"{f.pick} would cost {usd(f.pick_monthly_usd)}/month against "
                         f"{usd(f.deployed_monthly_usd)} ({f.saving_pct:+.1f}% saved)."))


def _criteria(r: AuditResult, out: list[Block], compact: bool) -> None:
    out.append(("h", "Promotion and demotion criteria"))
    if not r.criteria:
        out.append(("p", "None apply: the session states no limits and no [monitoring]."))
    else:
        rows = []
        for x in r.criteria:
            c = x.criterion
            observed = (_figure(c.unit, x.observed) if c.key != "promotion"
                        else ("-" if x.observed is None else f"{x.observed:.1f}% saved"))
            rows.append([STATUS_WORDS[x.status], c.kind, c.label,
                         f"{'≤' if c.op == '<=' else '≥'} {_figure(c.unit, c.limit)}", observed]
                        + ([] if compact else [c.source, x.detail]))
        out.append(("t", (["Status", "Kind", "Criterion", "Limit", "Production"]
                          + ([] if compact else ["From", "Detail"]), rows,
                          "lllrr" + ("" if compact else "ll"))))
        if compact:
            out += [("l", f"{x.criterion.label}: from {x.criterion.source}"
                          + (f"; {x.detail}" if x.detail else "")) for x in r.criteria]
    verdict = ("DEMOTE " + (r.deployed or "the deployed system") + ": a demotion criterion fails"
               if r.demote else f"keep {r.deployed}: no demotion criterion fails" if r.deployed
               else "no deployed system")
    if r.promote is not None:
        verdict += f"; PROMOTE {r.promote}"
    out.append(("p", f"Verdict: {verdict}."))


def _daily(r: AuditResult, out: list[Block], daily_rows: int) -> None:
    out.append(("h", "Daily picture"))
    flagged = {(a.day, a.metric) for a in r.anomalies}
    totals = list(r.daily.totals)[-daily_rows:]
    rows = []
    for t in totals:
        g = t.figures
        marks = "".join(FLAGS[m] for m in METRICS_ORDER if (t.day, m) in flagged)
        rows.append([t.day.isoformat(), num(g.requests, 0), usd(g.cost_usd),
                     usd(g.cost_per_1k, 4),
                     num(g.p95_latency_ms) if g.p95_latency_ms is not None else "-",
                     num(g.batch_size) if g.batch_size is not None else "-",
                     f"{g.escalation_share:.1%}" if g.escalation_share is not None else "-",
                     pct(g.accuracy) if g.accuracy is not None else "-", marks])
    out.append(("p", f"All models, the last {len(totals)} days (flags: $ cost, U cost per 1k, "
                     "V volume, L p95 latency; JSON has every day and model):"))
    out.append(("t", (["Day", "Requests", "Cost", "Cost/1k", "p95 ms", "Batch", "Escalated",
                       "Accuracy", "Flag"], rows, "lrrrrrrrl")))


# ----------------------------------------------------------------------- renderers


def audit_text(result: AuditResult, width: int = 80, daily_rows: int = DAILY_ROWS) -> str:
    """Plain text for a terminal: sections, aligned tables, wrapped sentences."""
    import textwrap

    lines: list[str] = [f"workbench audit: {printable(result.source)}"]
    for kind, body in _blocks(result, daily_rows, compact=True):
        if kind == "h":
            lines += ["", printable(body), "-" * min(width, len(str(body)))]
        elif kind == "p":
            lines += textwrap.wrap(printable(body), width=width, subsequent_indent="  ") or [""]
        elif kind == "l":
            lines += textwrap.wrap(printable(body), width=width, initial_indent="  - ",
                                   subsequent_indent="    ") or [""]
        else:
            header, rows, align = body
            cells = [[printable(h) for h in header]] + [[printable(c) for c in row] for row in rows]
            widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
            widths = [min(w, 40) for w in widths]
            for j, row in enumerate(cells):
                out = []
                for i, c in enumerate(row):
                    c = c if len(c) <= widths[i] else c[: widths[i] - 1] + "…"
                    out.append(c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i]))
                lines.append("  " + "  ".join(out).rstrip())
                if j == 0:
                    lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def audit_markdown(result: AuditResult, daily_rows: int = DAILY_ROWS, level: int = 2) -> str:
    """GitHub-flavoured markdown (every name escaped)."""
    from workbench.views.export import md_escape, md_table

    lines = [f"{'#' * (level - 1)} Audit of {md_escape(result.source)}", ""] if level > 1 else []
    previous = ""
    for kind, body in _blocks(result, daily_rows, compact=False):
        if kind == "h":
            if lines and lines[-1] != "":
                lines.append("")
            lines += [f"{'#' * level} {md_escape(body)}", ""]
        elif kind == "p":
            lines.append(md_escape(body))
            lines.append("")
        elif kind == "l":
            if previous != "l" and lines and lines[-1] != "":
                lines.append("")
            lines.append(f"- {md_escape(body)}")
        previous = kind
        if kind != "t":
            continue
        header, rows, align = body
        if lines and lines[-1] != "":
            lines.append("")
        lines.append(md_table([str(h) for h in header], [list(r) for r in rows], align))
        lines.append("")
    return "\n".join(lines).strip("\n") + "\n"


def audit_json(result: AuditResult) -> str:
    return json.dumps(_finite(result.to_json_dict()), indent=2, ensure_ascii=False) + "\n"


def _finite(value: Any) -> Any:
    """NaN and infinities become null (JSON has neither); numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def render(result: AuditResult, fmt: str, width: int = 80) -> str:
    if fmt == "json":
        return audit_json(result)
    if fmt == "markdown":
        return audit_markdown(result)
    return audit_text(result, width)
