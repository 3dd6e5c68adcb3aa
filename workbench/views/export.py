"""Machine-readable views of an analysis: a JSON-ready dict, CSV, markdown tables.

These are views: they format numbers the engine computed and never compute new ones.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from workbench.analysis import Analysis
from workbench.fmt import CONTROL_NOT_C0, clean, num, one_line, pct, printable, usd

CORE_KEYS = (
    "name", "accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd",
    "inference_monthly_usd", "cost_per_accuracy_point", "cost_per_1k_correct",
    "max_volume_per_day_in_budget", "feasible", "violations", "pareto", "score", "rank",
)


def workload_dict(analysis: Analysis) -> dict[str, Any]:
    w = analysis.scenario.workload
    return {
        "volume_per_day": clean(w.volume_per_day),
        "days_per_month": clean(w.days_per_month),
        "monthly_volume": clean(w.monthly_volume),
        "horizon_months": clean(w.horizon_months),
    }


def constraints_dict(analysis: Analysis) -> dict[str, Any]:
    c = analysis.scenario.constraints
    out: dict[str, Any] = {
        "max_latency_ms": clean(c.max_latency_ms),
        "monthly_budget_usd": clean(c.monthly_budget_usd),
        "min_accuracy": clean(c.min_accuracy),
    }
    if c.max:
        out["max"] = {k: clean(v) for k, v in c.max.items()}
    if c.min:
        out["min"] = {k: clean(v) for k, v in c.min.items()}
    return out


def candidate_records(analysis: Analysis) -> list[dict[str, Any]]:
    table = analysis.table
    violations = analysis.violations()
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib_cols = list(analysis.contributions.columns)
    contrib = analysis.contributions.to_numpy()
    records: list[dict[str, Any]] = []
    columns = {c: table[c].tolist() for c in table.columns}
    for i in range(len(table)):
        rec: dict[str, Any] = {}
        for key in CORE_KEYS:
            if key == "violations":
                rec[key] = violations[i]
            else:
                rec[key] = clean(columns[key][i])
        rec["contributions"] = {c: clean(contrib[i, j]) for j, c in enumerate(contrib_cols)}
        for key in extra:
            rec[key] = clean(columns[key][i])
        records.append(rec)
    return records


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


def sweep_list(analysis: Analysis) -> list[dict[str, Any]]:
    sweep = analysis.volume_sweep
    if sweep is None:
        return []
    names = analysis.table["name"].tolist()
    out = []
    for j, m in enumerate(sweep.multipliers):
        out.append(
            {
                "multiplier": clean(m),
                "volume_per_day": clean(sweep.volumes_per_day[j]),
                "recommendation": sweep.recommendations[j],
                "monthly_cost_usd": {
                    n: clean(v) for n, v in zip(names, sweep.monthly_cost_usd[:, j])
                },
                "feasible": {n: bool(v) for n, v in zip(names, sweep.feasible[:, j])},
            }
        )
    return out


def delta_dict(analysis: Analysis) -> dict[str, Any] | None:
    delta = analysis.accuracy_delta
    if delta is None:
        return None
    rows = [
        {k: clean(v) for k, v in rec.items()}
        for rec in delta.rows.to_dict(orient="records")
    ]
    return {
        "baseline": delta.baseline,
        "baseline_reason": delta.baseline_reason,
        "error_cost_usd": clean(delta.error_cost_usd),
        "value_of_one_point_usd": clean(delta.value_of_one_point_usd),
        "rows": rows,
    }


def to_dict(analysis: Analysis, extra_notes: list[str] | None = None) -> dict[str, Any]:
    """The JSON document of `workbench analyze --format json` (keys are a contract)."""
    return {
        "workload": workload_dict(analysis),
        "constraints": constraints_dict(analysis),
        "criteria": [
            {
                "column": c.column,
                "direction": c.direction,
                "weight": clean(c.weight),
                "scale": c.scale,
                "given_as": c.given_as,
            }
            for c in analysis.criteria
        ],
        "normalization": analysis.scenario.scoring.normalization,
        "cost_column": analysis.cost_column,
        "candidates": candidate_records(analysis),
        "frontier": list(analysis.frontier),
        "recommendation": recommendation_dict(analysis),
        "no_recommendation_reason": analysis.no_recommendation_reason,
        "volume_sweep": sweep_list(analysis),
        "accuracy_delta": delta_dict(analysis),
        "notes": [*(extra_notes or []), *analysis.notes],
    }


def json_text(doc: Any) -> str:
    """JSON that is exact and safe on a terminal: json already escapes C0 controls;
    C1 controls, bidi and other invisible format characters and lone surrogates are
    escaped here too (as \\u sequences, which every JSON reader turns back into the
    same string), so `--format json` printed to a terminal cannot drive it."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return CONTROL_NOT_C0.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def to_json(analysis: Analysis, extra_notes: list[str] | None = None) -> str:
    return json_text(to_dict(analysis, extra_notes))


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


def to_csv(analysis: Analysis) -> str:
    table = analysis.table
    violations = analysis.violations()
    buffer = io.StringIO()
    # Every text cell is quoted: nothing inside one can end the row or the cell.
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib_cols = list(analysis.contributions.columns)
    header = [*CORE_KEYS, *[f"contribution_{c}" for c in contrib_cols], *extra]
    writer.writerow([csv_safe(h) for h in header])
    contrib = analysis.contributions.to_numpy()
    columns = {c: table[c].tolist() for c in table.columns}
    for i in range(len(table)):
        row: list[Any] = []
        for key in CORE_KEYS:
            if key == "violations":
                row.append("; ".join(violations[i]))
            else:
                v = clean(columns[key][i])
                row.append("" if v is None else v)
        row.extend(clean(contrib[i, j]) for j in range(len(contrib_cols)))
        for key in extra:
            v = clean(columns[key][i])
            row.append("" if v is None else v)
        writer.writerow([csv_safe(v) for v in row])
    return buffer.getvalue()


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
        out.append(f"**Recommendation:** {md_escape(a.recommendation.name)}: {md_escape(a.recommendation.reason)}")
    else:
        out.append(f"**No recommendation:** {md_escape(a.no_recommendation_reason)}")
    out += ["", "## Candidates", "", candidates_md(a), "", "## Decision matrix", "", matrix_md(a)]
    if a.volume_sweep is not None:
        out += ["", "## What-if: volume", "", sweep_md(a)]
    if a.accuracy_delta is not None:
        out += ["", "## What-if: accuracy delta", "", delta_md(a)]
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
    header = ["Volume / day", "Recommendation"] + names
    rows = []
    for j, m in enumerate(s.multipliers):
        cells = [
            usd(s.monthly_cost_usd[i, j]) + ("" if s.feasible[i, j] else " ✗")
            for i in range(shown)
        ]
        rows.append([f"{num(s.volumes_per_day[j])} (x{m:g})", s.recommendations[j] or "none", *cells])
    return md_table(header, rows, "ll" + "r" * shown) + more_md(a, limit, "candidates' columns")


def delta_md(a: Analysis, limit: int | None = None) -> str:
    d = a.accuracy_delta
    assert d is not None
    has_net = "net_monthly_value_usd" in d.rows.columns
    header = ["Candidate", "Feasible", "Δ accuracy (pp)", "Errors avoided / month", "Δ monthly cost",
              "Cost per avoided error"] + (["Net monthly value"] if has_net else [])
    rows = []
    feasible = a.table["feasible"].tolist()
    for i, rec in enumerate(d.rows.head(_shown(a, limit)).to_dict(orient="records")):
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
