"""Pure renderers of a RoutingResult: markdown section, plain text, JSON text.

Column and model names come from the log and the session file, and reach the notes, the
rule and table headers; the text and markdown views show them through `fmt.printable`
(control characters as visible escapes) so a name cannot drive a terminal. JSON keeps
every string exact.
"""

from __future__ import annotations

import json
import math
import textwrap

from workbench.fmt import clean, printable
from workbench.routing.result import PolicyFigures, RoutingResult
from workbench.routing.sweep import ESCALATE_ALL

_GENERIC = {"cheap model": "the cheap model", "expensive model": "the expensive model"}


def _who(name: str) -> str:
    """A tier's name in a sentence: the spec's model name, or "the cheap model"."""
    return _GENERIC.get(name, printable(name))


def _is_all(t: float, result: RoutingResult) -> bool:
    return t == math.inf or (result.log_format == "binary" and t >= ESCALATE_ALL)


def _threshold_text(t: float) -> str:
    # Six significant digits reads well; the exact value is in the JSON.
    return f"{t:.6g}"


def _thresholds_cell(fig: PolicyFigures, result: RoutingResult) -> str:
    ts = fig.thresholds if fig.thresholds is not None else (
        (fig.threshold,) if fig.threshold is not None else None
    )
    if ts is None:
        return "-"
    return ", ".join("all" if _is_all(t, result) else _threshold_text(t) for t in ts)


def _forced_clauses(result: RoutingResult) -> list[str]:
    spec = result.spec
    clauses = [f"{printable(c)} is set" for c in spec.escalate_when]
    clauses += [f"{printable(c)} is above {v:g}" for c, v in spec.escalate_above.items()]
    if not clauses and spec.bins and result.forced:
        clauses = ["a forced rule in the bins file holds"]
    return clauses


def _confidence(result: RoutingResult, m: int) -> str:
    who = _who(result.names[m])
    possessive = f"{who}'s" if not who.endswith("s") else f"{who}'"
    if result.log_format == "binary":
        return f"{possessive} confidence max(p, 1 - p)"
    return f"{possessive} confidence"


def operational_rule(result: RoutingResult, figures: PolicyFigures | None = None) -> str:
    """The policy as an instruction an on-call engineer can follow."""
    fig = figures if figures is not None else result.recommended
    if fig is None or fig.threshold is None:
        return "No routing policy meets the target; see the reason below."
    thresholds = fig.thresholds if fig.thresholds is not None else (fig.threshold,)
    names = result.names
    first, last = _who(names[0]), _who(names[-1])
    forced = _forced_clauses(result)
    forced_share = fig.forced_share if fig.forced_share is not None else (
        result.forced / result.rows if result.rows else 0.0)
    only_forced = fig.escalated_share == forced_share
    if len(names) == 2:
        t = thresholds[0]
        if _is_all(t, result):
            condition = None  # everything escalates
        else:
            parts = ([] if only_forced
                     else [f"{_confidence(result, 0)} is below {_threshold_text(t)}"])
            condition = " or ".join(parts + forced)
        if result.policy == "cascade":
            if condition is None:
                return (f"Run {first} on every item and send every item to {last} "
                        f"(no saving from {first}).")
            if not condition:
                return f"Run {first} on every item and never call {last}."
            return (f"Run {first} on every item; send it to {last} when {condition}. "
                    f"{_cap(last)}'s answer replaces {first}'s.")
        if condition is None:
            return f"Send every item to {last} alone."
        if not condition:
            return f"Send every item to {first} alone."
        return (f"Send an item to {last} alone when {condition}; otherwise to {first} alone "
                "(one model per item).")
    steps = []
    for m, t in enumerate(thresholds):
        nxt = _who(names[m + 1])
        if _is_all(t, result):
            steps.append(f"always on to {nxt}")
        else:
            steps.append(f"on to {nxt} when {_confidence(result, m)} is below {_threshold_text(t)}")
    text = f"Run {first} on every item; send an item " + ", then ".join(steps) + "."
    if forced:
        text += f" Send it straight from {first} to {last} when {' or '.join(forced)}."
    return text + " The last model that ran answers."


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pct(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}%"


def _money(v: float | None) -> str:
    return "n/a" if v is None else f"${v:,.4f}" if v < 100 else f"${v:,.0f}"


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.1f} ms"


def _safe_label(result: RoutingResult) -> str:
    g = result.guarantee
    confidence = 1 - (g.delta if g is not None else result.spec.delta)
    return f"Safe ({confidence:.0%})"


def _baseline_label(result: RoutingResult, key: str, m: int) -> str:
    # Two tiers keep the labels pane 7 knows; more tiers name the model.
    if len(result.names) == 2:
        return ("Cheap model only", "Expensive model only")[m]
    return f"{printable(result.names[m])} only"


def _has_money(result: RoutingResult) -> bool:
    fig = result.recommended or result.safe or next(iter(result.baselines.values()), None)
    return fig is not None and fig.total_cost_per_1k is not None


def _figure_cells(fig: PolicyFigures | None, result: RoutingResult, width: int) -> list[str]:
    with_loss = bool(result.spec.loss_column)
    if fig is None:
        return ["none"] + ["-"] * (width - 1)
    cells = [
        (_thresholds_cell(fig, result)
         if fig.threshold is not None or fig.thresholds is not None else "-"),
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
        cells.append("n/a" if fig.missed_positive_loss is None
                     else f"{fig.missed_positive_loss:,.2f}")
    if _has_money(result):
        cells += [_money(fig.total_cost_per_1k), _money(fig.total_monthly_usd)]
    return cells


def _rows_for(result: RoutingResult,
              figs: dict[str, PolicyFigures | None]) -> tuple[list[str], list[list[str]]]:
    header = [
        "Policy", "Threshold", "Escalated", "Accuracy", "Wilson low", "Recall", "Precision",
        "Cost / 1k", "Monthly", "Mean latency", "p95 latency",
    ]
    if result.spec.loss_column:
        header.append(f"Missed {printable(result.spec.loss_column)}")
    if _has_money(result):
        header += ["Total / 1k", "Total monthly"]
    width = len(header) - 1
    rows = [["Recommended", *_figure_cells(figs.get("recommended"), result, width)],
            [_safe_label(result), *_figure_cells(figs.get("safe"), result, width)]]
    for m, key in enumerate(_baseline_keys(result)):
        if key in figs:
            rows.append([_baseline_label(result, key, m), *_figure_cells(figs[key], result, width)])
    return header, rows


def _baseline_keys(result: RoutingResult) -> list[str]:
    return list(result.baselines)


def _table_rows(result: RoutingResult) -> tuple[list[str], list[list[str]]]:
    """The main table: every policy on the calibration rows (all rows without a split)."""
    figs: dict[str, PolicyFigures | None] = {
        "recommended": result.recommended,
        "safe": result.safe,
        **result.baselines,
    }
    return _rows_for(result, figs)


def _held_out_rows(result: RoutingResult) -> tuple[list[str], list[list[str]]] | None:
    if not result.held_out:
        return None
    figs: dict[str, PolicyFigures | None] = {"recommended": None, "safe": None, **result.held_out}
    return _rows_for(result, figs)


def _rows_words(result: RoutingResult) -> str:
    v = result.validation
    if v.get("method") == "split":
        return (f"{v.get('rows_calibration', 0):,} calibration rows; "
                f"{v.get('rows_test', 0):,} held-out test rows of {result.rows:,}")
    return f"{result.rows:,} rows"


def _held_out_title(result: RoutingResult) -> str:
    v = result.validation
    if v.get("method") == "kfold":
        return f"Held-out ({v.get('folds')}-fold, pooled over all {v.get('rows', 0):,} rows)"
    return f"Held-out ({v.get('rows_test', 0):,} test rows the choice never saw)"


def _held_out_table(result: RoutingResult,
                    columns: tuple[str, ...]) -> tuple[list[str], list[list[str]]] | None:
    """The held-out figures: the named columns, the total cost when errors are priced,
    and whether each chosen policy meets the target on rows it never saw."""
    held = _held_out_rows(result)
    if held is None or result.held_out is None:  # rows come only with held-out figures
        return None
    header, rows = held
    names = list(columns) + [c for c in ("Total / 1k",) if c in header]
    keep = [header.index(c) for c in names]
    figs = {"recommended": result.held_out.get("recommended"),
            "safe": result.held_out.get("safe")}
    label = _meets_label(result)
    out = []
    for row in rows:
        key = ("recommended" if row[0] == "Recommended"
               else "safe" if row[0].startswith("Safe") else None)
        out.append([row[i] for i in keep] + [_meets(result, figs.get(key)) if key else "-"])
    return [header[i] for i in keep] + [label], out


def _meets_label(result: RoutingResult) -> str:
    if result.objective == "recall":
        return f"Recall >= {result.spec.target_recall:g}%"
    return f"Accuracy >= {result.target_accuracy:g}%"


def _meets(result: RoutingResult, fig: PolicyFigures | None) -> str:
    if fig is None:
        return "-"
    if (result.objective == "recall" and fig.recall is not None
            and result.spec.target_recall is not None):
        return "yes" if fig.recall >= result.spec.target_recall - 1e-9 else "no"
    return "yes" if fig.accuracy >= result.target_accuracy - 1e-9 else "no"


def _pareto_lines(result: RoutingResult, limit: int) -> list[list[str]]:
    if not result.pareto:
        return []
    pts = result.pareto
    if len(pts) > limit:
        step = (len(pts) - 1) / (limit - 1)
        pts = [pts[round(i * step)] for i in range(limit)]
    rows = [["Thresholds", "Escalated", "Accuracy", "Cost / 1k"]]
    for p in pts:
        rows.append([_thresholds_cell(p, result), f"{p.escalated_share:.2%}", _pct(p.accuracy),
                     _money(p.cost_per_1k)])
    return rows


def _routellm_line(result: RoutingResult) -> str | None:
    m = result.routellm
    if m is None:
        return None
    if m.apgr is None:
        return (f"RouteLLM metrics: undefined ({_who(result.names[1])} is not more accurate than "
                f"{_who(result.names[0])} on these rows).")

    def cpt(v: float | None) -> str:
        return "never" if v is None else f"{v:.2f}% of calls"

    return (f"RouteLLM metrics ({m.rows:,} rows): APGR {m.apgr:.3f}; CPT(50%) {cpt(m.cpt50)}; "
            f"CPT(80%) {cpt(m.cpt80)} to {_who(result.names[1])}.")


def _drift_lines(result: RoutingResult) -> list[str]:
    d = result.drift
    if d is None:
        return []
    lines = [f"Drift check against {printable(d.source)} ({d.rows_after:,} rows; last month "
             f"{d.rows_before:,}): " + d.verdict]
    for t in d.tiers:
        lines.append(f"{printable(t.tier)} confidence: KS D = {t.ks_statistic:.4f} "
                     f"(p = {t.ks_p_value:.3g}), PSI = {t.psi:.4f}")
    return lines


def _safe_sentence(result: RoutingResult) -> str | None:
    if (result.safe is not None and result.recommended is not None
            and result.safe.thresholds != result.recommended.thresholds):
        return f"Safe policy: {operational_rule(result, result.safe)}"
    if result.safe is None and result.safe_reason:
        return f"Safe policy: none; {printable(result.safe_reason)}."
    return None


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def routing_markdown(result: RoutingResult) -> str:
    """A markdown section body (no top-level heading) for the memo."""
    lines: list[str] = []
    target = _target_words(result)
    chain = " -> ".join(printable(n) for n in result.names)
    if result.recommended is not None:
        lines.append(f"**Policy ({result.policy} {chain}, {target}):** {operational_rule(result)}")
    else:
        lines.append(f"**No {result.policy} policy reaches {target}.** "
                     f"{printable(result.recommended_reason)}.")
    lines.append("")
    lines.append(f"Chosen by: {printable(result.chosen_by)}.")
    lines.append("")
    safe = _safe_sentence(result)
    if safe:
        lines.append(safe)
        lines.append("")
    if result.guarantee is not None and result.safe is not None:
        lines.append(f"Guarantee: {result.guarantee.statement}")
        lines.append("")
    lines.append(f"In sample ({_rows_words(result)}):")
    lines.append("")
    header, rows = _table_rows(result)
    lines.extend(_md_table(header, rows))
    lines.append("")
    held = _held_out_table(result, ("Policy", "Threshold", "Accuracy", "Wilson low", "Recall",
                                    "Cost / 1k"))
    if held is not None:
        lines.append(f"{_held_out_title(result)}:")
        lines.append("")
        lines.extend(_md_table(*held))
        lines.append("")
    if result.saving_vs_expensive_pct is not None:
        lines.append(
            f"Saving versus running {_who(result.names[-1])} on everything: "
            f"{result.saving_vs_expensive_pct:.1f}% of compute cost, on "
            f"{result.validation.get('rows_calibration', result.rows):,} replayed items."
        )
        lines.append("")
    routellm = _routellm_line(result)
    if routellm:
        lines.append(routellm)
        lines.append("")
    pareto = _pareto_lines(result, 8)
    if pareto:
        lines.append(f"Cost-quality Pareto set ({result.pareto_size:,} policies; "
                     f"{len(pareto) - 1} shown):")
        lines.append("")
        lines.extend(_md_table(pareto[0], pareto[1:]))
        lines.append("")
    for line in _drift_lines(result):
        lines.append(line)
        lines.append("")
    lines.append("Notes:")
    lines.append("")
    lines.extend(f"- {printable(note)}" for note in result.notes)
    return "\n".join(lines) + "\n"


def _target_words(result: RoutingResult) -> str:
    if result.objective == "recall":
        return f"target {result.spec.target_recall:g}% recall"
    if result.objective == "total_cost":
        return "lowest total cost"
    return f"target {result.target_accuracy:g}% accuracy"


def _split_thresholds(
    header: list[str], rows: list[list[str]]
) -> tuple[list[str], list[list[str]]]:
    """One row per tier's threshold (text view), so a 3- or 4-tier table stays narrow."""
    i = header.index("Threshold")
    parts = [r[i].split(", ") for r in rows]
    count = max(len(p) for p in parts)
    if count <= 1:
        return header, rows
    new_header = header[:i] + [f"Threshold {m + 1}" for m in range(count)] + header[i + 1:]
    new_rows = [
        r[:i]
        + [p[m] if len(p) == count else ("-" if m else p[0]) for m in range(count)]
        + r[i + 1:]
        for r, p in zip(rows, parts)
    ]
    return new_header, new_rows


def _transposed(header: list[str], rows: list[list[str]], short: dict[str, str]) -> list[str]:
    header, rows = _split_thresholds(header, rows)
    columns = [[_clip(short.get(r[0], r[0]), 14), *r[1:]] for r in rows]
    # Rows with nothing to say (recall of a quality log) are left out of the text view.
    keep = [0] + [i for i in range(1, len(header))
                  if any(col[i] not in ("n/a",) for col in columns)]
    header = [header[i] for i in keep]
    columns = [[col[i] for i in keep] for col in columns]
    widths = [max(len(header[i]) for i in range(1, len(header)))] + [
        max(len(c) for c in col) for col in columns
    ]
    lines = [[""] + [col[0] for col in columns]]
    for i in range(1, len(header)):
        lines.append([header[i]] + [col[i] for col in columns])
    out = []
    for j, row in enumerate(lines):
        out.append("  ".join(
            cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def routing_text(result: RoutingResult, width: int = 80) -> str:
    """Plain text for a terminal: rule, policies-as-columns tables, saving, notes.

    Tables are transposed (one column per policy) so that they fit 80 columns.
    """
    wrap = textwrap.TextWrapper(width=width)
    bullet = textwrap.TextWrapper(width=width, initial_indent="* ", subsequent_indent="  ")
    out: list[str] = []
    chain = " -> ".join(printable(n) for n in result.names)
    out.extend(wrap.wrap(f"Routing policy: {result.policy} {chain}; {_target_words(result)}; "
                         f"{_rows_words(result)}"))
    out.extend(wrap.wrap(f"Chosen by: {printable(result.chosen_by)}."))
    out.append("")
    if result.recommended is not None:
        out.extend(wrap.wrap(operational_rule(result)))
    else:
        out.extend(wrap.wrap(
            f"No policy meets the target: {printable(result.recommended_reason)}."
        ))
    safe = _safe_sentence(result)
    if safe:
        out.extend(wrap.wrap(safe))
    if result.guarantee is not None and result.safe is not None:
        out.extend(wrap.wrap(f"Guarantee: {result.guarantee.statement}"))
    out.append("")
    short = {"Recommended": "Recommended", "Cheap model only": "Cheap only",
             "Expensive model only": "Expens. only"}
    short.update({f"{printable(n)} only": printable(n)
                  for n in result.names[:] if len(result.names) > 2})
    header, rows = _table_rows(result)
    out.append("In sample:")
    out.extend(_transposed(header, rows, short))
    out.append("")
    held = _held_out_table(
        result, ("Policy", "Threshold", "Escalated", "Accuracy", "Wilson low", "Recall",
                 "Precision", "Cost / 1k"))
    if held is not None:
        out.extend(wrap.wrap(_held_out_title(result) + ":"))
        out.extend(_transposed(*held, short))
        out.append("")
    if result.saving_vs_expensive_pct is not None:
        out.append(f"Saving vs {_who(result.names[-1])} only: "
                   f"{result.saving_vs_expensive_pct:.1f}%")
        out.append("")
    routellm = _routellm_line(result)
    if routellm:
        out.extend(wrap.wrap(routellm))
        out.append("")
    pareto = _pareto_lines(result, 8)
    if pareto:
        out.append(f"Pareto set ({result.pareto_size:,} policies; {len(pareto) - 1} shown):")
        widths = [max(len(r[i]) for r in pareto) for i in range(4)]
        for row in pareto:
            out.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                 for i, c in enumerate(row)).rstrip())
        out.append("")
    for line in _drift_lines(result):
        out.extend(wrap.wrap(line))
    if result.drift is not None:
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
        return {k: (v if k in ("threshold", "thresholds") else _trim(v)) for k, v in value.items()}
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
