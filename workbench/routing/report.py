"""Pure renderers of a RoutingResult: markdown section, plain text, JSON text.

Column names come from the log and the session file, and reach the notes, the rule and
a table header; the text and markdown views show them through `fmt.printable` (control
characters as visible escapes) so a column name cannot drive a terminal. JSON keeps
every string exact.
"""

from __future__ import annotations

import json
import textwrap

from workbench.fmt import clean, printable
from workbench.routing.result import PolicyFigures, RoutingResult
from workbench.routing.sweep import ESCALATE_ALL

_ROWS: tuple[tuple[str, str], ...] = (
    ("recommended", "Recommended"),
    ("safe", "Safe (Wilson 95%)"),
    ("cheap_only", "Cheap model only"),
    ("expensive_only", "Expensive model only"),
)


def _threshold_text(t: float) -> str:
    # Six significant digits reads well; the exact value is in the JSON.
    return f"{t:.6g}"


def _forced_clauses(result: RoutingResult) -> list[str]:
    spec = result.spec
    clauses = [f"{printable(c)} is set" for c in spec.escalate_when]
    clauses += [f"{printable(c)} is above {v:g}" for c, v in spec.escalate_above.items()]
    if not clauses and spec.bins and result.forced:
        clauses = ["a forced rule in the bins file holds"]
    return clauses


def operational_rule(result: RoutingResult, figures: PolicyFigures | None = None) -> str:
    """The policy as an instruction an on-call engineer can follow."""
    fig = figures if figures is not None else result.recommended
    if fig is None or fig.threshold is None:
        return "No routing policy meets the target; see the reason below."
    t = fig.threshold
    forced = _forced_clauses(result)
    if t >= ESCALATE_ALL:
        condition = None  # everything escalates
    else:
        parts = [f"the cheap model's confidence max(p, 1 - p) is below {_threshold_text(t)}"]
        if fig.escalated_share == result.forced / result.rows:
            parts = []  # threshold escalates nothing beyond forced rules
        condition = " or ".join(parts + forced) if (parts or forced) else ""
    if result.policy == "cascade":
        if condition is None:
            return (
                "Run the cheap model on every transaction and send every transaction to the ensemble "
                "(no saving from the cheap model)."
            )
        if not condition:
            return "Run the cheap model on every transaction and never call the ensemble."
        return (
            f"Run the cheap model on every transaction; send it to the ensemble when {condition}. "
            "The ensemble's decision replaces the cheap model's."
        )
    if condition is None:
        return "Send every transaction to the ensemble alone."
    if not condition:
        return "Send every transaction to the cheap model alone."
    return (
        f"Send a transaction to the ensemble alone when {condition}; "
        "otherwise to the cheap model alone (one model per transaction)."
    )


def _pct(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}%"


def _money(v: float | None) -> str:
    return "n/a" if v is None else f"${v:,.4f}" if v < 100 else f"${v:,.0f}"


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.1f} ms"


def _figure_cells(fig: PolicyFigures | None, with_loss: bool) -> list[str]:
    if fig is None:
        return ["none"] + ["-"] * (10 if with_loss else 9)
    t = "-" if fig.threshold is None else ("all" if fig.threshold >= ESCALATE_ALL else _threshold_text(fig.threshold))
    cells = [
        t,
        f"{fig.escalated_share:.2%}",
        _pct(fig.accuracy),
        _pct(fig.accuracy_wilson_low),
        _pct(fig.recall, 1),
        _pct(fig.precision, 1),
        _money(fig.cost_per_1k),
        _money(fig.monthly_cost_usd),
        _ms(fig.mean_latency_ms),
        _ms(fig.p95_latency_ms),
    ]
    if with_loss:
        cells.append("n/a" if fig.missed_positive_loss is None else f"{fig.missed_positive_loss:,.2f}")
    return cells


def _table_rows(result: RoutingResult) -> tuple[list[str], list[list[str]]]:
    with_loss = bool(result.spec.loss_column)
    header = [
        "Policy", "Threshold", "Escalated", "Accuracy", "Wilson low", "Recall", "Precision",
        "Cost / 1k", "Monthly", "Mean latency", "p95 latency",
    ]
    if with_loss:
        header.append(f"Missed {printable(result.spec.loss_column)}")
    figs: dict[str, PolicyFigures | None] = {
        "recommended": result.recommended,
        "safe": result.safe,
        **result.baselines,
    }
    rows = [[label, *_figure_cells(figs.get(key), with_loss)] for key, label in _ROWS]
    return header, rows


def routing_markdown(result: RoutingResult) -> str:
    """A markdown section body (no top-level heading) for the memo."""
    lines: list[str] = []
    target = f"{result.target_accuracy:g}%"
    if result.recommended is not None:
        lines.append(f"**Policy ({result.policy}, target {target} accuracy):** {operational_rule(result)}")
    else:
        lines.append(
            f"**No {result.policy} policy reaches {target} accuracy.** {printable(result.recommended_reason)}."
        )
    lines.append("")
    if result.safe is not None and result.recommended is not None and result.safe.threshold != result.recommended.threshold:
        lines.append(
            f"With a 95% statistical margin (Wilson lower bound at or above {target}): {operational_rule(result, result.safe)}"
        )
        lines.append("")
    elif result.safe is None and result.safe_reason:
        lines.append(f"Safe policy: none; {printable(result.safe_reason)}.")
        lines.append("")
    header, rows = _table_rows(result)
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    if result.saving_vs_expensive_pct is not None:
        lines.append(
            f"Saving versus running the expensive model on everything: {result.saving_vs_expensive_pct:.1f}% "
            f"of compute cost, on {result.rows:,} replayed items."
        )
        lines.append("")
    lines.append("Notes:")
    lines.append("")
    lines.extend(f"- {printable(note)}" for note in result.notes)
    return "\n".join(lines) + "\n"


def routing_text(result: RoutingResult, width: int = 80) -> str:
    """Plain text for a terminal: rule, a policies-as-columns table, saving, notes.

    The table is transposed (one column per policy) so that it fits 80 columns.
    """
    wrap = textwrap.TextWrapper(width=width)
    bullet = textwrap.TextWrapper(width=width, initial_indent="* ", subsequent_indent="  ")
    out: list[str] = []
    out.append(f"Routing policy: {result.policy}; target accuracy {result.target_accuracy:g}%; {result.rows:,} rows")
    out.append("")
    if result.recommended is not None:
        out.extend(wrap.wrap(operational_rule(result)))
    else:
        out.extend(wrap.wrap(f"No policy meets the target: {printable(result.recommended_reason)}."))
    if result.safe is None and result.safe_reason:
        out.extend(wrap.wrap(f"Safe: none; {printable(result.safe_reason)}."))
    out.append("")
    header, rows = _table_rows(result)
    short = {"Recommended": "Recommended", "Safe (Wilson 95%)": "Safe", "Cheap model only": "Cheap only",
             "Expensive model only": "Expens. only"}
    columns = [[short.get(r[0], r[0])] + r[1:] for r in rows]
    labels = header
    widths = [max(len(labels[i]) for i in range(1, len(labels)))] + [
        max(len(c) for c in col) for col in columns
    ]
    lines = [[""] + [col[0] for col in columns]]
    for i in range(1, len(labels)):
        lines.append([labels[i]] + [col[i] for col in columns])
    for j, row in enumerate(lines):
        out.append("  ".join(
            cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    if result.saving_vs_expensive_pct is not None:
        out.append(f"Saving vs expensive model only: {result.saving_vs_expensive_pct:.1f}%")
        out.append("")
    for note in result.notes:
        out.extend(bullet.wrap(printable(note)))
    return "\n".join(out) + "\n"


def _trim(value: object) -> object:
    # Same presentation rule as `analyze --format json`: 12 significant digits.
    if isinstance(value, float):
        return clean(value)
    if isinstance(value, dict):
        # A threshold keeps full precision: "escalate all" is the float just above 1.
        return {k: (v if k == "threshold" else _trim(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_trim(v) for v in value]
    return value


def routing_json(result: RoutingResult) -> str:
    return json.dumps(_trim(result.to_json_dict()), indent=2, allow_nan=False) + "\n"


def render(result: RoutingResult, fmt: str) -> str:
    if fmt == "json":
        return routing_json(result)
    if fmt == "markdown":
        return routing_markdown(result)
    return routing_text(result)
