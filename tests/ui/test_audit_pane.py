"""Pane 8 (audit): the retail decision against the sample production log, at 80x24.

A user opens sessions/retail_checkout.toml, presses 8, types the log's path (relative
to the session's folder) and a dimension, and presses enter. Every figure asserted
here is computed by `workbench.audit` for the same inputs in the test, then formatted
by hand (not by the pane's own formatter), and looked for on the screen.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.ui.conftest import EDGE, ROOT
from tests.ui.helpers import screen_text, settle, static_text, table_column, toasts, type_text
from workbench.audit import AuditOptions, AuditResult, audit
from workbench.fields import field
from workbench.inputs import open_file
from workbench.tui.app import WorkbenchApp
from workbench.tui.panes.audit import AuditPane

SESSION = ROOT / "sessions" / "retail_checkout.toml"
LOG_TYPED = "../sample_data/production_log.parquet"  # as typed: from sessions/
LOG = ROOT / "sample_data" / "production_log.parquet"
BY = "library_version"


def _app() -> WorkbenchApp:
    session, notes, path = open_file(SESSION)
    return WorkbenchApp(session, path, notes)


def _expected(budget: float | None = None) -> AuditResult:
    session, _, path = open_file(SESSION)
    if budget is not None:
        budget_field = field("constraints.monthly_budget_usd")
        session = budget_field.set(session, budget)
    return audit(session, LOG, AuditOptions(by=BY), base_dir=path.parent)


def _dollars(v: float) -> str:
    """+$54.10 / -$0.02: signed dollars with cents, as a hand-written expectation."""
    return f"{'+' if v > 0 else '-'}${abs(v):,.2f}"


async def _run_audit(pilot: Any, log: str = LOG_TYPED, by: str = BY) -> None:
    await pilot.press("8")
    await settle(pilot)
    await type_text(pilot, log)  # the log field has the focus on a pane never run
    await pilot.press("tab")
    await type_text(pilot, by)
    await pilot.press("enter")
    await settle(pilot)


async def test_audit_of_the_sample_log_at_80x24() -> None:
    expected = _expected()
    fit, change = expected.refit, expected.change
    assert fit is not None and change is not None and change.where is not None
    # The premises, from the engine: the pick holds, and the change happened in the
    # library upgrade (sample_data/make_production_log.py: trt-8.6 -> trt-10.0).
    assert fit.holds and expected.deployed == EDGE and not expected.demote
    assert change.where.dimension == BY and change.where.named == "trt-10.0"
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_audit(pilot)
        text = screen_text(app)
        # The verdict and the bill's change, on top of every view.
        assert f"The pick holds: {EDGE} is still the pick at" in text
        assert f"{round(fit.volume_per_day):,}" in text
        assert "no demotion criterion fails" in text
        assert (f"Bill {_dollars(change.change_usd_per_day)}/day "
                f"({change.change_pct:+.1f}%), mostly batch efficiency; where: trt-10.0") in text
        assert max(change.parts, key=lambda f: change.parts[f]) == "batching"
        # The first view: the daily cost chart, with the cost anomalies' runs in its key.
        assert "Cost per day, USD" in text
        cost_days = sorted({a.day for a in expected.anomalies if a.metric == "cost_usd"})
        assert cost_days and f"x cost anomaly:  {cost_days[0]}" in text
        assert f"│ period from {expected.period.start}" in text

        await pilot.press("v")  # the assumptions, with a verdict each
        await settle(pilot)
        assert app.pane("audit").view == "assumptions"  # type: ignore[union-attr]
        verdicts = {"ok": "ok", "watch": "WATCH", "breaks": "BREAKS", "n/a": "n/a"}
        assert table_column(app, "#assumptions-table", "verdict") == [
            verdicts[a.verdict] for a in expected.assumptions]
        observed = dict(zip([a.key for a in expected.assumptions],
                            table_column(app, "#assumptions-table", "observed")))
        obs = expected.observed
        assert observed["volume_per_day"] == f"{round(obs.volume_per_day):,}/day"
        assert observed["cost_per_1k"] == f"${obs.figures.cost_per_1k:.4f}"
        assert observed["monthly_cost"] == f"${round(obs.run_rate_monthly_usd):,}/month"
        text = screen_text(app)
        assert "cost per 1k requests" in text and "WATCH" in text
        assert "The pick holds:" in text  # the verdict stays on screen
        assert "Promotion and demotion criteria" in text

        await pilot.press("v")  # why the bill changed, and where
        await settle(pilot)
        text = screen_text(app)
        w = change.where
        assert w.named_usd_per_day is not None
        assert (f"Where ({BY}): trt-10.0, {_dollars(w.named_usd_per_day)}/day of "
                f"{w.named_part}") in text
        flat = " ".join(text.split())  # table cells, whatever their padding
        assert f"batch efficiency {_dollars(change.parts['batching'])}" in flat
        assert f"unit price {_dollars(change.parts['unit_price'])}" in flat
        assert "The pick holds:" in text

        await pilot.press("v")  # the anomaly table
        await settle(pilot)
        text = screen_text(app)
        first = min(expected.anomalies, key=lambda a: (a.day, a.metric))
        flat = " ".join(text.split())
        assert f"{first.day} 1 cost up" in flat and f"{first.z:.1f}" in flat

        await pilot.press("v")  # back to the chart
        await settle(pilot)
        assert app.pane("audit").view == "chart"  # type: ignore[union-attr]


async def test_a_bad_path_is_a_message_and_the_app_keeps_running() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_audit(pilot, log="missing_log.parquet", by="")
        text = screen_text(app)
        assert "Not audited: missing_log.parquet: no such file" in text
        assert "Traceback" not in text
        assert any("missing_log.parquet" in t for t in toasts(app))
        # A column the log lacks names the column and the file.
        field_log = app.query_one("#audit-log")
        field_log.focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, LOG_TYPED)
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "regionx")
        await pilot.press("enter")
        await settle(pilot)
        status = static_text(app, "#audit-status")
        assert "production_log.parquet" in status and "regionx" in status
        assert "did you mean 'region'" in status
        # The app is alive: other panes work, and a good path audits.
        await pilot.press("escape", "1")
        await settle(pilot)
        assert "meets every constraint" in screen_text(app)
        await pilot.press("8")
        await settle(pilot)
        app.query_one("#audit-by").focus()
        await pilot.press("ctrl+u", "enter")
        await settle(pilot)
        assert f"The pick holds: {EDGE}" in screen_text(app)
        assert not app.query_one("#audit-status").display  # the error is gone


async def test_the_audit_runs_in_a_worker_and_says_auditing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import workbench.audit

    release = threading.Event()
    threads: list[threading.Thread] = []
    real = workbench.audit.audit

    def slow(*args: Any, **kwargs: Any) -> AuditResult:
        threads.append(threading.current_thread())
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbench.audit, "audit", slow)
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await type_text(pilot, LOG_TYPED)
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.02)
            if threads:
                break
        # The UI answers while the log is read: the status says so, and keys work.
        assert threads and threads[0] is not threading.main_thread()
        assert "Auditing… ../sample_data/production_log.parquet" in screen_text(app)
        await pilot.press("escape", "v")  # from the field to the views
        assert app.pane("audit").view == "assumptions"  # type: ignore[union-attr]
        await pilot.press("2")
        for _ in range(50):  # pane 2 is built and drawn meanwhile (no settle: it waits)
            await pilot.pause(0.05)
            if "Volume / day" in screen_text(app):
                break
        assert "Volume / day" in screen_text(app)
        assert threads and not release.is_set()  # the audit is still reading
        release.set()
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        assert "The pick holds:" in screen_text(app)
        assert not app.query_one("#audit-status").display


async def test_an_edit_elsewhere_audits_again_and_the_verdict_flips() -> None:
    """A $1,000 budget: production's run rate breaks it, the demotion criterion fails
    and, re-analysed, no candidate fits any more (all from the engine)."""
    expected = _expected(budget=1000.0)
    assert expected.demote and expected.refit is not None and not expected.refit.holds
    assert expected.refit.pick is None
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_audit(pilot)
        assert "The pick holds:" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        app.query_one("#field-monthly_budget_usd").focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, "1000")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape", "8")
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert ("The pick does not hold: at production's figures no candidate meets every "
                "constraint; DEMOTE MobileNet-SSD edge (on-device): a demotion criterion "
                "fails.") in text
        await pilot.press("v")
        await settle(pilot)
        monthly = next(a for a in expected.assumptions if a.key == "monthly_cost")
        verdicts = dict(zip([a.key for a in expected.assumptions],
                            table_column(app, "#assumptions-table", "verdict")))
        assert monthly.verdict == "breaks" and verdicts["monthly_cost"] == "BREAKS"


async def test_eight_tabs_fit_80_columns_and_read_in_full_at_120() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        strip = screen_text(app).splitlines()[0]
        labels = ["1 Candidates", "2 Inputs", "3 Frontier", "4 Matrix", "5 What-if",
                  "6 Report", "7 Routing", "8 Audit"]
        assert all(label in strip for label in labels), strip
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        await pilot.pause(0.1)
        strip = screen_text(app).splitlines()[0]
        assert "2 Constraints" in strip and "8 Audit" in strip, strip
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.pause(0.1)
        assert "2 Inputs" in screen_text(app).splitlines()[0]


async def test_keys_in_help_footer_and_palette() -> None:
    from workbench.tui.commands import commands

    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _run_audit(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "r Run" in footer and "v Views" in footer and "p Log path" in footer
        sections = dict(app.help_sections())
        rows = dict(sections["8 Audit (Audit)"])
        assert set(rows) == {"r", "v", "p"}
        titles = {c.title for c in commands(app)}
        assert {"Go to Audit", "Run the audit", "Why the bill changed"} <= titles
        # `p` goes back to the log field; enter there runs again.
        await pilot.press("p")
        assert app.focused is app.query_one("#audit-log")
        assert isinstance(app.pane("audit"), AuditPane)


def test_the_log_path_is_view_state() -> None:
    """Running an audit never edits the session (there is no place for a log in it)."""
    from workbench.tui.panes.audit import resolve

    assert resolve("../sample_data/x.parquet", Path("/a/sessions")) == Path(
        "/a/sessions/../sample_data/x.parquet")
    assert resolve("/abs/x.csv", Path("/a")) == Path("/abs/x.csv")
    assert resolve("x.csv", None) == Path("x.csv")


async def test_running_the_audit_leaves_the_session_unmodified() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session
        await _run_audit(pilot)
        assert app.session is before and not app.modified


async def test_a_pasted_path_tab_column_fills_log_then_by_and_runs() -> None:
    # A terminal delivers a paste (or a fast typist's keys) all at once: every key is
    # queued before the first is handled. The tab must move on in turn with the typing,
    # or the column lands in the Log box (it did while Log and By were plain Inputs).
    from textual import events

    expected = _expected()
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        driver = app._driver
        assert driver is not None
        for key in [*LOG_TYPED, "tab", *BY]:
            event = events.Key(key, None if key == "tab" else key)
            event.set_sender(app)
            driver.send_message(event)
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#audit-log", Input).value == LOG_TYPED
        assert app.query_one("#audit-by", Input).value == BY
        await pilot.press("enter")
        await settle(pilot)
        assert f"The pick holds: {expected.deployed}" in screen_text(app)
