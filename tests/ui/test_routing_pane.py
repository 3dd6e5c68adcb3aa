"""Pane 7 (routing), driven through a small host app until it is registered in app.py.

`Host` does what `WorkbenchApp` does for a pane: mounts it on key 7, hands it a
Snapshot, applies its `SessionEdited` changes and redraws it, and knows whether the
session differs from the one opened. The last test runs the real app once the pane is
registered there.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Input, Select, Static, TabbedContent

from tests.ui.conftest import EDGE, ROOT, VIT
from tests.ui.helpers import settle, type_text
from workbench.evaluation import evaluate
from workbench.model import Session
from workbench.routing import simulate, simulate_session
from workbench.routing.report import operational_rule
from workbench.inputs import open_file
from workbench.tui.messages import SessionEdited
from workbench.tui.panes.routing import RoutingPane
from workbench.tui.state import Snapshot
from workbench.tui.widgets.chart import ChartPanel

FRAUD = ROOT / "sessions" / "fraud_routing.toml"


class Host(App[None]):
    """The app's side of the pane contract, and nothing else."""

    CSS = "#tabs { height: 2; } #status { height: 1; }"  # the real app's chrome at 80x24
    BINDINGS: ClassVar[list[BindingType]] = [Binding("7", "open_routing", "Routing")]

    def __init__(self, session: Session, path: Path | None = None) -> None:
        super().__init__()
        self.session = self.clean = session
        self.path = path
        self.evaluation = evaluate(session.with_(routing=None), None, robust=False)  # the table
        self.generation = 0

    @property
    def modified(self) -> bool:
        return self.session is not self.clean

    def snapshot(self) -> Snapshot:
        return Snapshot(self.session, self.evaluation, (), self.path, self.generation)

    @property
    def pane(self) -> RoutingPane:
        return self.query_one(RoutingPane)

    def compose(self) -> ComposeResult:
        yield Static("tabs", id="tabs")
        yield Vertical(id="host")
        yield Static("status", id="status")
        yield Footer(compact=True)

    async def action_open_routing(self) -> None:
        if not self.query(RoutingPane):
            await self.query_one("#host").mount(RoutingPane(id="pane-routing"))
        self.pane.show(self.snapshot())
        target = self.pane.primary()
        assert target is not None
        target.focus()

    @on(SessionEdited)
    def _edited(self, message: SessionEdited) -> None:
        new = message.change(self.session)
        if new == self.session:
            return
        if new.scenario is not self.session.scenario:
            self.evaluation = evaluate(new.with_(routing=None), None, robust=False)
        self.session = new
        self.generation += 1
        self.pane.show(self.snapshot())


def fraud() -> tuple[Session, Path]:
    session, _, path = open_file(FRAUD)
    assert path is not None
    return session, path


def text(app: App[Any], selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def set_field(pilot, selector: str, value: str, typed: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Put `value` in the field (key by key if `typed`), press enter, wait for the run."""
    field = pilot.app.query_one(selector, Input)
    field.focus()
    field.clear()
    if typed:
        await type_text(pilot, value)
    else:
        field.insert_text_at_cursor(value)
    await pilot.press("enter")
    await settle(pilot)


def errors(app: App[Any]) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_shows_the_rule_figures_and_chart_of_the_stored_settings(monkeypatch):
    from workbench import routing

    gate = threading.Event()

    def gated(spec, base_dir=None):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return simulate(spec, base_dir)

    session, path = fraud()
    expected = simulate_session(session, path.parent)
    monkeypatch.setattr(routing, "simulate", gated)
    assert expected.recommended is not None and expected.recommended.threshold is not None
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        assert "simulating" in text(app, "#routing-status")  # the run is in a thread
        gate.set()
        await settle(pilot)
        rule = text(app, "#routing-rule")
        assert rule == operational_rule(expected)
        assert f"below {expected.recommended.threshold:.6g}" in rule
        lines = text(app, "#routing-table").splitlines()
        assert lines[0] == "In sample (the 100,000 rows the policy was chosen on):"
        lines = lines[1:]
        assert lines[0].split() == ["Thresh.", "Escal.", "Acc.", "Wilson", "Recall", "$/1k",
                                    "$/month"]
        rec, safe = expected.recommended, expected.safe
        assert safe is not None
        assert lines[1].split() == ["Recommended", f"{rec.threshold:.6g}",
                                    f"{rec.escalated_share:.2%}", f"{rec.accuracy:.3f}%",
                                    f"{rec.accuracy_wilson_low:.3f}%", f"{rec.recall:.1f}%",
                                    f"${rec.cost_per_1k:.4f}", f"${rec.monthly_cost_usd:,.0f}"]
        assert lines[2].split()[:3] == ["Safe", "(95%)", f"{safe.threshold:.6g}"]
        expensive = expected.baselines["expensive_only"]
        # Rows named after the session's models (issue #15), cut to fit 80 columns.
        assert lines[3].split()[:3] == ["GBM", "fast…", "only"]
        assert lines[4].split()[:5] == ["Deep", "ens…", "only", "-", "100.00%"]
        assert lines[4].split()[-1] == f"${expensive.monthly_cost_usd:,.0f}"
        assert (f"Saving vs Deep ensemble (5 models) only: "
                f"{expected.saving_vs_expensive_pct:.1f}%") in lines[-1]
        # Held out: the same policies on rows the choice never saw, and the guarantee.
        held = text(app, "#routing-held")
        assert "Held-out (100,000 test rows the choice never saw):" in held
        assert expected.held_out is not None
        assert f"{expected.held_out['recommended'].accuracy:.3f}%" in held
        assert expected.guarantee is not None
        assert f"Guarantee: {expected.guarantee.statement}" in held
        assert max(len(line) for line in lines) <= 78  # fits 80 columns
        # The form shows the stored settings.
        assert app.query_one("#routing-target", Input).value == "99.5"
        assert app.query_one("#routing-above", Input).value == "amount=1000"
        assert app.query_one("#routing-cheap", Select).value == "GBM fast scorer"
        # The footer offers the pane's keys; v swaps the figures for the chart.
        keys = {b.binding.key for b in app.active_bindings.values()}
        assert {"r", "v"} <= keys
        await pilot.press("v")
        chart = app.query_one("#routing-chart", ChartPanel)
        assert app.focused is chart
        drawn = chart.chart_text()
        assert "Accuracy vs cost per 1k over 200 thresholds (target 99.5%)" in drawn
        width = max(len(line) for line in drawn.splitlines())
        assert width <= 80
        await pilot.resize_terminal(110, 30)
        await pilot.pause()
        assert max(len(line) for line in chart.chart_text().splitlines()) > width


async def test_a_new_target_is_stored_and_moves_the_threshold():
    session, path = fraud()
    before = dict(session.routing or {})
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        old_rule = text(app, "#routing-rule")
        await set_field(pilot, "#routing-target", "99.7", typed=True)
        assert app.modified
        routing = app.session.routing
        assert routing is not None and routing["target_accuracy"] == 99.7
        # Names, not prices; no None; nothing else written or lost.
        assert routing == {**before, "target_accuracy": 99.7}
        moved = simulate_session(app.session, path.parent)
        assert moved.recommended is not None and moved.recommended.threshold is not None
        rule = text(app, "#routing-rule")
        assert rule != old_rule and f"below {moved.recommended.threshold:.6g}" in rule
        app.pane.query_one("#routing-figures").focus()  # what escape does in the app
        await pilot.press("v")
        await pilot.pause()
        assert "(target 99.7%)" in app.query_one("#routing-chart", ChartPanel).chart_text()


async def test_reapplying_unchanged_settings_changes_nothing():
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        app.query_one("#routing-target", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not app.modified and app.generation == 0


async def test_invalid_values_are_marked_and_not_applied():
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        rule = text(app, "#routing-rule")
        for selector, value, message in [
            ("#routing-target", "101", "at most 100"),
            ("#routing-target", "abc", "not a number"),
            ("#routing-above", "amount", "COLUMN=NUMBER"),
            ("#routing-log", "", "path of the replay log"),
        ]:
            await set_field(pilot, selector, value)
            assert app.query_one(selector, Input).has_class("-invalid"), selector
            assert message in text(app, "#routing-status")
            assert not app.modified and text(app, "#routing-rule") == rule
            app.pane._filled = None  # let the next draw restore the stored settings
            app.pane.draw(app.snapshot(), None)


async def test_an_engine_error_is_notified_and_the_result_stays():
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        rule = text(app, "#routing-rule")
        await set_field(pilot, "#routing-log", "missing.parquet")
        assert any("missing.parquet: no such file" in e for e in errors(app))
        assert app.query_one("#routing-log", Input).has_class("-invalid")
        assert "Not applied" in text(app, "#routing-status")
        assert not app.modified and text(app, "#routing-rule") == rule
        await set_field(pilot, "#routing-log", str((session.routing or {})["log"]))
        assert not app.query_one("#routing-log", Input).has_class("-invalid")
        # A column the log lacks marks the field that names it.
        await set_field(pilot, "#routing-when", "no_such_column")
        assert "missing column(s) no_such_column" in errors(app)[-1]
        assert app.query_one("#routing-when", Input).has_class("-invalid")
        assert not app.modified and text(app, "#routing-rule") == rule


async def test_results_are_cached_per_settings_prices_and_volume(monkeypatch):
    from workbench import routing

    runs: list[float] = []

    def counted(spec, base_dir=None):  # type: ignore[no-untyped-def]
        runs.append(spec.cheap_cost_per_1k)
        return simulate(spec, base_dir)

    monkeypatch.setattr(routing, "simulate", counted)
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        assert runs == [0.02]

        def post(change) -> None:  # type: ignore[no-untyped-def]
            app.pane.post_message(SessionEdited(change, "test"))

        # An unrelated edit redraws without a run.
        post(lambda s: s.with_(title="Another title"))
        await settle(pilot)
        assert app.generation == 1 and runs == [0.02]
        # A new price of the cheap model re-runs; going back is served from the cache.
        table = session.scenario.candidates.copy()
        table.loc[table["name"] == "GBM fast scorer", "cost_per_1k"] = 0.05
        post(lambda s: s.with_scenario(candidates=table))
        await settle(pilot)
        assert runs == [0.02, 0.05]
        post(lambda s: s.with_scenario(candidates=session.scenario.candidates))
        await settle(pilot)
        assert runs == [0.02, 0.05]
        # A new volume re-runs.
        workload = replace(session.scenario.workload, volume_per_day=1_000_000)
        post(lambda s: s.with_scenario(workload=workload))
        await settle(pilot)
        assert len(runs) == 3
        # r re-runs the same settings (the log may have changed on disk).
        await pilot.press("r")
        await settle(pilot)
        assert len(runs) == 4 and app.session.routing == session.routing


async def test_a_session_without_routing_offers_defaults(retail):
    assert retail.routing is None
    app = Host(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        assert "No routing settings yet" in text(app, "#routing-rule")
        assert app.query_one("#routing-target", Input).value == "99.5"
        assert app.query_one("#routing-policy", Select).value == "cascade"
        assert app.query_one("#routing-cheap", Select).value == EDGE  # cheapest
        assert app.query_one("#routing-expensive", Select).value == VIT  # most accurate
        # Applying without a log marks the field; nothing is stored.
        await pilot.press("r")
        assert app.query_one("#routing-log", Input).has_class("-invalid")
        assert app.session.routing is None and not app.modified


async def test_a_new_table_from_a_typed_log_is_stored():
    """A session without [routing] gets one once a log simulates (paths as typed)."""
    session, path = fraud()
    log = (path.parent / str((session.routing or {})["log"])).resolve()
    bare = session.with_(routing=None)
    app = Host(bare)  # no session file: relative paths resolve against the cwd
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await set_field(pilot, "#routing-log", str(log))
        assert app.modified
        stored = app.session.routing
        assert stored == {"log": str(log), "policy": "cascade", "cheap_model": "GBM fast scorer",
                          "expensive_model": "Deep ensemble (5 models)", "target_accuracy": 99.5}
        assert "below" in text(app, "#routing-rule")


async def test_in_the_registered_app():
    """Runs once app.py lists the pane (id "routing", key 7)."""
    from workbench.tui.app import PANES, WorkbenchApp

    if "routing" not in [p for p, _, _ in PANES]:
        pytest.skip("pane 7 is not registered in app.py yet")
    session, path = fraud()
    # The thresholds the engine chooses (on the calibration half of the log).
    first = simulate_session(session, path.parent).recommended
    raised = simulate_session(session.with_(routing={**(session.routing or {}), "target_accuracy": 99.7}),
                              path.parent).recommended
    assert first is not None and raised is not None and first.threshold != raised.threshold
    before, after = f"below {first.threshold:.6g}", f"below {raised.threshold:.6g}"
    app = WorkbenchApp(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        assert app.query_one(TabbedContent).active == "routing"
        assert isinstance(app.pane("routing"), RoutingPane)
        assert before in text(app, "#routing-rule")
        await set_field(pilot, "#routing-target", "99.7", typed=True)
        assert app.modified and (app.session.routing or {})["target_accuracy"] == 99.7
        assert after in text(app, "#routing-rule")
        await pilot.press("escape", "u")  # undo: the old settings, from the cache
        await pilot.pause()
        assert (app.session.routing or {})["target_accuracy"] == 99.5
        assert before in text(app, "#routing-rule")

