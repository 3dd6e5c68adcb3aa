"""The decision as a slide deck (python-pptx), for the meeting where it is approved.

One message per slide, stated in its title, with the figures rounded for people
(`fmt.usd_short`: $1.5k, $75k); the exact figures and where they come from (the
session file and its hash, the candidate table, the formula) are in each slide's
speaker notes. Slides: the title and the question; the recommendation with its cost
and accuracy; the constraints; the cost-accuracy frontier (the PNG of
`workbench.views.images`); the decision matrix; the what-if on volume and on
accuracy; the total cost of ownership; the routing curve (when configured); the
risks; the recorded decision.

Deterministic: the core properties carry the session's own dates (never "now") and
the zip entries a fixed timestamp, so the same session gives the same bytes.

python-pptx (the `deck` extra) and matplotlib (the `images` extra, for the charts)
are imported lazily.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workbench import __version__
from workbench.analysis import as_float, as_int
from workbench.errors import InputError
from workbench.evaluation import Evaluation, assess
from workbench.fmt import num, pct, printable, usd, usd_short
from workbench.views import figures as F
from workbench.views.brief import change_lines, how_sure_sentence, why_sentence

WIDTH_IN, HEIGHT_IN = 13.333, 7.5  # 16:9
TABLE_ROWS = 6
RATIONALE_CHARS = 900  # what fits the decision slide at 16 pt; the notes hold all of it
# The zip epoch: a fixed entry date, so two saves of one session are byte-identical.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNKNOWN_DATE = datetime(1980, 1, 1, tzinfo=UTC)


def plain(text: Any) -> str:
    """User text for a slide: one printable line (controls shown as escapes; XML
    cannot hold them, and a slide should not hide them)."""
    return F.label(text)


def write_deck(evaluation: Evaluation, path: Path | str,
               session_path: Path | str | None = None) -> Path:
    """Write the deck to `path` atomically (the previous file kept as .bak)."""
    from workbench.atomic import atomic_write_bytes

    return atomic_write_bytes(Path(path), deck_bytes(evaluation, session_path))


def deck_bytes(evaluation: Evaluation, session_path: Path | str | None = None) -> bytes:
    F.need("pptx", "deck")
    F.need("matplotlib", "images")
    from pptx import Presentation
    from pptx.util import Inches

    if evaluation.robustness is None:
        evaluation.robustness = assess(evaluation.analysis)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH_IN), Inches(HEIGHT_IN)
    deck = _Deck(prs, evaluation, session_path)
    for build in (deck.title, deck.recommendation, deck.constraints, deck.frontier,
                  deck.matrix, deck.volume, deck.accuracy, deck.tco, deck.routing,
                  deck.risks, deck.decision):
        build()
    _core_properties(prs, evaluation)
    buffer = io.BytesIO()
    prs.save(buffer)
    return _fixed_zip_dates(buffer.getvalue())


def _fixed_zip_dates(data: bytes) -> bytes:
    """The same archive with every entry dated _ZIP_DATE (python-pptx stamps "now")."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _date(text: str | None) -> datetime:
    if not text:
        return _UNKNOWN_DATE
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return _UNKNOWN_DATE
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _core_properties(prs: Any, evaluation: Evaluation) -> None:
    s = evaluation.session
    cp = prs.core_properties
    cp.title = plain(s.title)[:250]
    cp.subject = "Model selection decision"
    cp.author = plain(s.decision.decided_by or "workbench")[:250]
    cp.last_modified_by = f"workbench {__version__}"
    cp.comments = f"Written by workbench {__version__} from the session's decision record."
    cp.keywords = "workbench; decision; cost-accuracy"
    cp.created = _date(s.created or s.modified)
    cp.modified = _date(s.modified or s.created)
    cp.revision = 1


class _Deck:
    """Builds the slides; each method adds one slide (or none when it does not apply)."""

    def __init__(self, prs: Any, evaluation: Evaluation,
                 session_path: Path | str | None) -> None:
        self.prs = prs
        self.e = evaluation
        self.a = evaluation.analysis
        self.robust = evaluation.robustness
        self.session_path = session_path
        rec = self.a.recommendation
        self.pick = self.a.position(rec.name) if rec is not None else None
        self.images: dict[str, bytes] = {}

    # ------------------------------------------------------------------ helpers

    def _sources(self) -> list[str]:
        from workbench.loading import file_sha256

        s = self.e.session
        lines = [f"Figures: workbench {__version__}, one evaluation of the session"]
        if self.session_path is not None:
            path = Path(self.session_path)
            try:
                digest = file_sha256(path)
            except (OSError, InputError):  # a moved file only loses the hash
                digest = None
            lines[0] += f" {path.name}" + (f" (sha256 {digest})" if digest else "")
        lines[0] += "."
        if s.source.path or s.source.sha256:
            table = plain(Path(s.source.path).name) if s.source.path else "embedded"
            lines.append(f"Candidate table: {table}"
                         + (f", sha256 {plain(s.source.sha256)}" if s.source.sha256 else "") + ".")
        lines.append("Every figure, its formula and the full tables: `workbench report SESSION`.")
        return lines

    def _slide(self, title: str, notes: list[str]) -> Any:
        from pptx.util import Inches, Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # Title Only
        shape = slide.shapes.title
        shape.left, shape.top = Inches(0.5), Inches(0.3)
        shape.width, shape.height = Inches(WIDTH_IN - 1.0), Inches(1.1)
        shape.text = title
        for paragraph in shape.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(28)
                run.font.bold = True
        shape.text_frame.word_wrap = True
        slide.notes_slide.notes_text_frame.text = "\n".join(notes + self._sources())
        return slide

    def _text(self, slide: Any, lines: list[str], top: float, size: int = 18,
              height: float = 4.5, left: float = 0.6, width: float | None = None) -> None:
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(left), Inches(top),
                                       Inches(width or WIDTH_IN - 2 * left), Inches(height))
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # shrink rather than overflow
        for k, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.space_after = Pt(8)
            for run in paragraph.runs:
                run.font.size = Pt(size)

    def _table(self, slide: Any, header: list[str], rows: list[list[str]], top: float,
               widths: list[float] | None = None, size: int = 14) -> None:
        from pptx.util import Inches, Pt

        width = WIDTH_IN - 1.2
        shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.6), Inches(top),
                                       Inches(width), Inches(0.4 * (len(rows) + 1)))
        table = shape.table
        if widths:
            total = sum(widths)
            for j, w in enumerate(widths):
                table.columns[j].width = Inches(width * w / total)
        for i, row in enumerate([header, *rows]):
            for j, value in enumerate(row):
                cell = table.cell(i, j)
                cell.text = str(value)
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(size)
                        run.font.bold = i == 0

    def _picture(self, slide: Any, key: str, top: float = 1.4, height: float = 5.7) -> bool:
        from pptx.util import Inches

        if not self.images:
            from workbench.views.images import chart_images

            self.images = dict(chart_images(self.e, "png"))
        data = self.images.get(key)
        if data is None:
            return False
        pic_w = height * 10.0 / 5.6
        slide.shapes.add_picture(io.BytesIO(data), Inches((WIDTH_IN - pic_w) / 2), Inches(top),
                                 height=Inches(height))
        return True

    def _cost(self, i: int) -> str:
        value = self.a.table[self.a.cost_column].iat[i]
        if self.a.cost_column == "monthly_cost_usd":
            return f"{usd_short(value)}/month"
        return f"{usd(value, 4)} per 1k"

    def _name(self, i: int) -> str:
        return plain(self.a.table["name"].iat[i])

    # ------------------------------------------------------------------- slides

    def title(self) -> None:
        from pptx.util import Pt

        s = self.e.session
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[0])
        slide.shapes.title.text = plain(s.title)
        from pptx.util import Inches

        slide.shapes.title.left, slide.shapes.title.width = Inches(0.8), Inches(WIDTH_IN - 1.6)
        subtitle = slide.placeholders[1]
        subtitle.left, subtitle.width = Inches(0.8), Inches(WIDTH_IN - 1.6)
        subtitle.text = self._question()
        for paragraph in subtitle.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(22)
        by = f"Decision deck by workbench {__version__}"
        if s.modified:
            by += f"; session last modified {plain(s.modified)}"
        slide.notes_slide.notes_text_frame.text = "\n".join([by + ".", *self._sources()])

    def _question(self) -> str:
        a = self.a
        w = a.scenario.workload
        c = a.scenario.constraints
        limits = []
        if c.monthly_budget_usd is not None:
            limits.append(f"{usd_short(c.monthly_budget_usd)}/month")
        if c.max_latency_ms is not None:
            limits.append(f"{num(c.max_latency_ms)} ms")
        if c.min_accuracy is not None:
            limits.append(f"at least {pct(c.min_accuracy)} accuracy")
        text = f"Which of {num(len(a.table))} candidates should we run"
        if w.volume_per_day is not None:
            text += f" at {_people(w.volume_per_day)} inferences a day"
        if limits:
            text += ", within " + (", ".join(limits[:-1]) + " and " + limits[-1]
                                   if len(limits) > 1 else limits[0])
        return text + "?"

    def recommendation(self) -> None:
        a = self.a
        rec = a.recommendation
        if rec is None or self.pick is None:
            slide = self._slide("No candidate meets every constraint",
                                [f"Why: {plain(a.no_recommendation_reason)}."])
            self._text(slide, [plain(a.no_recommendation_reason)], 1.6)
            return
        i = self.pick
        t = a.table
        slide = self._slide(
            f"Recommend {plain(rec.name)}",
            [f"Exact figures: {usd(t[a.cost_column].iat[i], 4)} ({a.cost_column}), accuracy "
             f"{t['accuracy'].iat[i]!r}%, latency {t['latency_ms'].iat[i]!r} ms, score "
             f"{t['score'].iat[i]:.6f}.", f"Reason (engine): {plain(rec.reason)}."])
        cards = [(self._cost(i), "cost"), (f"{t['accuracy'].iat[i]:.1f}%", "accuracy"),
                 (f"{num(t['latency_ms'].iat[i])} ms", "latency")]
        for k, (value, what) in enumerate(cards):
            self._text(slide, [value, what], 1.5, size=32 if k == 0 else 30, height=1.4,
                       left=0.6 + k * 4.1, width=3.8)
        self._text(slide, [why_sentence(a, i, plain), how_sure_sentence(a, self.robust, plain)],
                   3.3, size=18, height=3.8)

    def constraints(self) -> None:
        a = self.a
        t = a.table
        n_ok = int(t["feasible"].sum())
        if not a.checks:
            slide = self._slide("No hard limits: every candidate is feasible",
                                ["The session sets no budget, latency or accuracy limit."])
            self._text(slide, ["Set limits in the session's [constraints] to rule candidates out."],
                       1.6)
            return
        slide = self._slide(f"{num(n_ok)} of {num(len(t))} candidates meet every limit",
                            ["A candidate is feasible when it meets every limit; a missing "
                             "value breaks the limit on it."])
        rows = []
        for check in a.checks:
            breaking = np.flatnonzero(check.violated)
            limit = {"monthly_budget_usd": f"≤ {usd_short(check.limit)}/month",
                     "max_latency_ms": f"≤ {num(check.limit)} ms",
                     "min_accuracy": f"≥ {pct(check.limit)}"}.get(
                check.name, f"{check.op} {num(check.limit)}")
            names = ", ".join(self._name(int(k)) for k in breaking[:3])
            more = f" and {num(breaking.size - 3)} more" if breaking.size > 3 else ""
            rows.append([plain(check.name.replace("_", " ")), limit,
                         f"{num(breaking.size)}: {names}{more}" if breaking.size else "none"])
        self._table(slide, ["Limit", "Feasible when", "Candidates breaking it"], rows, 1.6,
                    [2, 2, 6])

    def frontier(self) -> None:
        a = self.a
        if self.pick is not None:
            i = self.pick
            where = ("on the cost-accuracy frontier" if bool(a.table["pareto"].iat[i])
                     else "below the frontier: the better trade-offs break a limit")
            title = (f"{self._name(i)}: {self._cost(i)} for "
                     f"{a.table['accuracy'].iat[i]:.1f}%, {where}")
        else:
            title = "The cost-accuracy frontier: no candidate meets every limit"
        slide = self._slide(title, [
            "Frontier: the candidates no other candidate beats on both cost and accuracy "
            f"(cheapest first): {', '.join(plain(n) for n in a.frontier[:20])}"
            + (" ..." if len(a.frontier) > 20 else "") + ".",
            f"x: {a.cost_column}; y: accuracy %."])
        self._picture(slide, "frontier")

    def matrix(self) -> None:
        a = self.a
        t = a.table
        rec = a.recommendation
        title = "The decision matrix"
        if rec is not None and rec.runner_up is not None and self.pick is not None:
            r = a.position(rec.runner_up)
            assert r is not None
            mine, theirs = as_float(t["score"].iat[self.pick]), as_float(t["score"].iat[r])
            digits = 2 if f"{mine:.2f}" != f"{theirs:.2f}" else 3
            if bool(t["feasible"].iat[r]):
                title = (f"{plain(rec.name)} scores {mine:.{digits}f}; the runner-up "
                         f"{plain(rec.runner_up)} {theirs:.{digits}f}")
            else:
                title = (f"{plain(rec.name)} ({mine:.{digits}f}) is the best score within "
                         f"every limit; {plain(rec.runner_up)} ({theirs:.{digits}f}) breaks one")
        slide = self._slide(title, [
            "Score = sum of weight x normalized value (1 = best on each criterion); "
            f"normalization {plain(a.scenario.scoring.normalization)}; feasible candidates "
            "rank first.",
            "Weights (sum 1): " + ", ".join(f"{plain(c.given_as)} {c.weight:.3f}"
                                            for c in a.criteria) + "."])
        shown = min(TABLE_ROWS, len(t))
        header = ["Rank", "Candidate", *[f"{plain(c.given_as)} (w {c.weight:.2f})"
                                         for c in a.criteria], "Score", "Meets limits"]
        rows = []
        for i in range(shown):
            rows.append([str(as_int(t["rank"].iat[i])), self._name(i),
                         *[f"{a.contributions[c.column].iat[i]:.2f}" for c in a.criteria],
                         f"{t['score'].iat[i]:.2f}", "yes" if bool(t["feasible"].iat[i]) else "no"])
        self._table(slide, header, rows, 1.6, [1, 4, *[2] * len(a.criteria), 1.5, 1.8],
                    size=13)

    def volume(self) -> None:
        a = self.a
        s = a.volume_sweep
        if s is None or s.volumes_per_day.size == 0:
            return
        lines = change_lines(a, self.robust, plain) if self.robust else []
        changes = [x for x in lines if x.startswith("Volume:")]
        order = np.argsort(s.volumes_per_day, kind="stable").tolist()
        first = next((j for j in range(1, len(order))
                      if s.recommendations[order[j]] != s.recommendations[order[j - 1]]), None)
        if first is None:
            title = (f"The pick is the same from {_people(s.volumes_per_day[order[0]])} to "
                     f"{_people(s.volumes_per_day[order[-1]])} a day")
        else:
            before, after = s.recommendations[order[first - 1]], s.recommendations[order[first]]
            title = (f"Between {_people(s.volumes_per_day[order[first - 1]])} and "
                     f"{_people(s.volumes_per_day[order[first]])} a day the pick changes: "
                     f"{plain(before or 'none feasible')} → {plain(after or 'none feasible')}")
        slide = self._slide(title, ["Monthly cost at each volume of the sweep "
                                    f"(x{', x'.join(f'{m:g}' for m in s.multipliers)}).",
                                    *changes])
        self._picture(slide, "volume")

    def accuracy(self) -> None:
        a = self.a
        d = a.accuracy_delta
        if d is None or d.rows.empty:
            return
        rows = d.rows
        better = rows[rows["delta_accuracy_pp"] > 0]
        has_cost = "cost_per_avoided_error_usd" in rows.columns
        if not better.empty and has_cost and better["cost_per_avoided_error_usd"].notna().any():
            k = int(np.nanargmin(better["cost_per_avoided_error_usd"].to_numpy(dtype=float)))
            row = better.iloc[k]
            title = (f"{plain(row['name'])} adds {row['delta_accuracy_pp']:.1f} points of accuracy "
                     f"for {_signed_short(row['delta_monthly_cost_usd'])}/month")
        elif better.empty:
            title = f"No candidate is more accurate than {plain(d.baseline)}"
        else:
            title = "What each point of accuracy costs"
        slide = self._slide(title, [
            f"Baseline: {plain(d.baseline)} ({plain(d.baseline_reason)}).",
            "Errors avoided a month = accuracy gain (points) / 100 x monthly volume; cost per "
            "avoided error = extra monthly cost / errors avoided."]
            + ([f"At {usd(d.error_cost_usd, 4)} per error, one point of accuracy is worth "
                f"{usd(d.value_of_one_point_usd)}/month."]
               if d.value_of_one_point_usd is not None else []))
        header = ["Candidate", "Δ accuracy", "Errors avoided / month", "Δ monthly cost",
                  "Per avoided error"]
        table_rows = []
        for rec in rows.head(TABLE_ROWS).to_dict(orient="records"):
            table_rows.append([plain(rec["name"]), f"{rec['delta_accuracy_pp']:+.1f} pts",
                               _people(rec["errors_avoided_per_month"]),
                               _signed_short(rec["delta_monthly_cost_usd"]),
                               usd(rec.get("cost_per_avoided_error_usd"), 4)])
        self._text(slide, [f"Compared with {plain(d.baseline)}:"], 1.4, size=16, height=0.5)
        self._table(slide, header, table_rows, 2.0, [4, 2, 3, 2.5, 2.5])

    def tco(self) -> None:
        a = self.a
        w = a.scenario.workload
        if w.volume_per_day is None or len(a.table) == 0:
            return
        from workbench import tco

        months = num(w.horizon_months)
        shown = min(TABLE_ROWS, len(a.table))
        if a.ledger is not None:
            rows_at = a.table.index.to_numpy()
            totals = [float(a.ledger.total_horizon_usd[int(rows_at[i])]) for i in range(shown)]
            monthly = [float(a.ledger.total_monthly_usd[int(rows_at[i])]) for i in range(shown)]
            header = ["Rank", "Candidate", "Per month", f"Total, {months} months"]
            rows = [[str(as_int(a.table["rank"].iat[i])), self._name(i), usd_short(monthly[i]),
                     usd_short(totals[i])] for i in range(shown)]
            notes = [f"Ledger lines: {', '.join(plain(x.name) for x in a.ledger.lines)}; "
                     "each line's formula is in the memo."]
            widths = [1, 5, 2.5, 2.5]
        else:
            h = tco.horizon_cost_of(a.table, w.horizon_months)
            totals = [float(v) for v in h.total_usd[:shown]]
            header = ["Rank", "Candidate", f"Inference, {months} mo", f"Fixed, {months} mo",
                      "One-time", "Total"]
            rows = [[str(as_int(a.table["rank"].iat[i])), self._name(i),
                     usd_short(h.inference_usd[i]), usd_short(h.fixed_usd[i]),
                     usd_short(h.one_time_usd[i]), usd_short(h.total_usd[i])]
                    for i in range(shown)]
            notes = [f"Total = {months} x monthly inference + {months} x fixed monthly + one-time "
                     "(workbench/tco.py)."]
            widths = [1, 5, 2.2, 2.2, 2, 2]
        if self.pick is not None and self.pick < shown:
            title = (f"Over {months} months, {self._name(self.pick)} costs "
                     f"{usd_short(totals[self.pick])}")
        else:
            title = f"Total cost of ownership over {months} months"
        slide = self._slide(title, notes)
        self._table(slide, header, rows, 1.6, widths)

    def routing(self) -> None:
        result = self.e.routing
        if result is None or not result.curve:
            return
        pick = result.recommended or result.safe
        if pick is None:
            title = f"Routing: no policy reaches the {pct(result.target_accuracy)} target"
        else:
            title = (f"Routing reaches {pct(pick.accuracy)} at {usd(pick.cost_per_1k, 4)} per 1k "
                     f"({pick.escalated_share:.1%} escalated)")
        slide = self._slide(title, [
            f"Policy {plain(result.policy)} over {num(len(result.curve))} thresholds; tiers: "
            f"{' -> '.join(plain(n) for n in result.names)}.",
            f"Target accuracy {pct(result.target_accuracy)}; figures on "
            + ("held-out rows." if result.held_out else "the replay log.")])
        self._picture(slide, "routing")

    def risks(self) -> None:
        robust = self.robust
        risks = list(robust.risks) if robust is not None else []
        if self.a.recommendation is None:
            return
        if not risks:
            slide = self._slide("No flagged risk for the pick",
                                ["Checked: close call, least accurate pick, single feasible "
                                 "candidate, budget and latency headroom, eval-set size, vendor "
                                 "lock-in, accuracy drift, price exposure."])
            self._text(slide, ["None of the checked risks applies (see the memo's Risks "
                               "section for the thresholds)."], 1.6)
            return
        slide = self._slide(f"{len(risks)} risk{'s' if len(risks) > 1 else ''} to manage",
                            [f"{plain(r.title)}: {plain(r.detail)}" for r in risks])
        # Mitigations are long: four rows fill a slide; the rest are in the notes.
        rows = [[plain(r.title), plain(r.figure), plain(r.mitigation)] for r in risks[:4]]
        if len(risks) > 4:
            rows.append([f"and {len(risks) - 4} more", "see the notes", ""])
        self._table(slide, ["Risk", "Figure", "Mitigation"], rows, 1.5, [3, 4, 6], size=12)

    def decision(self) -> None:
        d = self.e.session.decision
        rec = self.a.recommendation
        if d.is_empty():
            slide = self._slide("Decision: not recorded yet",
                                ["Record it in the session's [decision] table: chosen, "
                                 "rationale, decided_by, decided_on."])
            self._text(slide, ["To decide: " + (f"the recommendation is {plain(rec.name)}."
                                                if rec else "no candidate qualifies.")], 1.6)
            return
        chosen = plain(d.chosen) if d.chosen else "not recorded"
        title = f"Decision: {chosen}"
        if d.decided_by:
            title += f", by {plain(d.decided_by)}"
        if d.decided_on:
            title += f" on {plain(d.decided_on)}"
        lines = []
        if d.chosen and rec is not None:
            lines.append("This is the recommendation." if d.chosen == rec.name
                         else f"This differs from the recommendation, {plain(rec.name)}.")
        if d.rationale:
            text = plain(" ".join(d.rationale.split()))
            lines.append(text if len(text) <= RATIONALE_CHARS else
                         text[:RATIONALE_CHARS - 1].rstrip() + "… (the full text is in the notes)")
        slide = self._slide(title, ["Rationale as recorded:",
                                    printable(d.rationale or "(none)", newlines=True)])
        self._text(slide, lines, 1.6, size=16, height=5.4)


def _people(value: Any) -> str:
    """A count rounded for people: 500k, 1.5M, 950."""
    text = usd_short(value)
    return text.replace("$", "") if text != "n/a" else text


def _signed_short(value: Any) -> str:
    text = usd_short(value)
    if text.startswith("-") or text == "n/a":
        return text
    return "+" + text
