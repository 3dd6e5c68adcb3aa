"""Large tables: analysis in a thread worker, top-N tables, sampled charts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.ui.helpers import recommendation, static_text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


async def _settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_edits_go_through_the_worker_above_the_threshold(retail, make_app, monkeypatch):
    """The worker path, exercised on the small sample by lowering the threshold."""
    from workbench.tui import app as app_module

    monkeypatch.setattr(app_module, "LARGE_TABLE", 2)
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.press("plus")
        await _settle(app, pilot)
        assert {c.given_as: c.raw_weight for c in app.analysis.criteria}["accuracy"] == pytest.approx(0.45)
        # An edit the engine refuses (a limit on an unknown column) is marked in place
        # when the background analysis fails, and the last good session stays.
        before = app.session
        field = app.query_one("#field-limits")
        field.focus()
        await pilot.press("z", "<", "=", "1", "enter")
        await _settle(app, pilot)
        assert field.has_class("-invalid") and field.has_focus  # back in the field
        assert field.value == "z<=1"
        assert app.session is before and not app.busy
        assert "not a numeric column" in str(app.query_one("#constraints-error").render())
        await pilot.press("escape")
        # Deleting the pick (pane 1) also runs in the worker.
        await pilot.press("1")
        top = recommendation(app)
        await pilot.press("x")
        await _settle(app, pilot)
        assert top not in app.session.scenario.candidates["name"].tolist()


@pytest.mark.slow
async def test_100k_candidates_stay_responsive(make_app):
    from bench_tui import synthetic_session

    app = make_app(synthetic_session(100_000))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#candidates-table")
        assert table.row_count == 200  # never a table of 100,000 rows
        assert "showing 200 of 100,000 by rank" in static_text(app, "#candidates-note")
        await pilot.press("2", "plus")
        assert app.busy or app.generation > 0
        await _settle(app, pilot)
        assert not app.busy
        assert {c.given_as: c.raw_weight for c in app.analysis.criteria}["accuracy"] == pytest.approx(0.45)
        await pilot.press("3")
        await _settle(app, pilot)
        chart = app.query_one("#frontier-chart").chart_text()
        assert "showing" in chart  # the frontier plus a sample of the rest
        await pilot.press("4")
        assert app.query_one("#matrix-table").row_count == 100
        await pilot.press("1", "s")  # sorting 100k rows by a column is fine too
        assert "showing 200 of 100,000 by" in static_text(app, "#candidates-note")
        await pilot.press("u")  # undo re-analyses in the worker (history keeps sessions only)
        await _settle(app, pilot)
        assert {c.given_as: c.raw_weight for c in app.analysis.criteria}["accuracy"] == pytest.approx(0.4)
        assert app._history == [] and app._future[0][1] is None
