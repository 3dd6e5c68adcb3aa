"""Pane 2: workload, constraints and weights, typed and adjusted from the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.ui.conftest import CNN, EDGE
from tests.ui.helpers import recommendation, status, to_field, type_text


async def test_raising_budget_to_100k_makes_the_cnn_the_recommendation(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        assert recommendation(app) == EDGE
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await type_text(pilot, "100000")
        assert app.query_one("#field-monthly_budget_usd", Input).value == "100000"
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000  # typed only
        await pilot.press("1")  # in a field, digits are text ...
        assert app.query_one("#field-monthly_budget_usd", Input).value == "1000001"
        await pilot.press("backspace", "enter")  # ... enter applies and leaves the field
        assert app.session.scenario.constraints.monthly_budget_usd == 100_000
        assert recommendation(app) == CNN
        assert CNN in status(app)
        assert "$75,000/mo" in status(app)
        assert "●" in status(app)
        assert app.focused is not None and app.focused.id == "criteria-table"
        await pilot.press("4")  # a pane key again
        assert app.query_one("TabbedContent").active == "matrix"
        assert f"Recommendation: {CNN}" in str(app.query_one("#recommendation").render())


async def test_invalid_value_is_marked_and_changes_nothing(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        before = app.session
        await type_text(pilot, "lots")
        field = app.query_one("#field-monthly_budget_usd", Input)
        assert field.has_class("-invalid")
        assert app.session is before  # the last valid value stays in force
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert app.query_one("#field-max_latency_ms", Input).value == "200"  # others untouched
        assert "not applied" in str(app.query_one("#constraints-error").render())
        await pilot.press("enter")  # refused: the field keeps the text and the focus
        assert field.has_focus and field.value == "lots"  # focusing selected the old text
        assert app.session is before
        # Fixing the text and pressing enter applies it, as the session writes it.
        await pilot.press("ctrl+u")
        await type_text(pilot, "$20k")
        assert not field.has_class("-invalid")
        assert app.session is before
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 20_000
        assert field.value == "20000" and not field.has_focus


async def test_limit_on_unknown_column_is_refused_in_place(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-limits")
        await type_text(pilot, "gflops<5")
        field = app.query_one("#field-limits", Input)
        assert field.has_class("-invalid")  # limits are inclusive: "<" is not "<="
        await pilot.press("ctrl+u")
        await type_text(pilot, "gflops<=5")
        assert not field.has_class("-invalid")  # it parses; the engine has not seen it
        await pilot.press("enter")
        assert field.has_class("-invalid") and field.has_focus  # the engine refused it
        assert app.session.scenario.constraints.max == {}
        assert "not a numeric column" in str(app.query_one("#constraints-error").render())
        field.value = "maintainability>=3"  # as if pasted
        await pilot.press("enter")
        assert app.session.scenario.constraints.min == {"maintainability": 3.0}
        assert not field.has_class("-invalid")


async def test_weight_keys_change_the_share_live(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        assert app.focused is not None and app.focused.id == "criteria-table"
        await pilot.press("plus", "right")  # accuracy 0.40 -> 0.50
        weights = {c.given_as: c.raw_weight for c in app.analysis.criteria}
        assert weights["accuracy"] == pytest.approx(0.5)
        share = {c.given_as: c.weight for c in app.analysis.criteria}["accuracy"]
        assert share == pytest.approx(0.5 / 1.1)
        table = app.query_one("#criteria-table")
        assert table.get_cell("accuracy", "share").plain == f"{share:.0%}"
        await pilot.press("minus")
        assert {c.given_as: c.raw_weight for c in app.analysis.criteria}["accuracy"] == pytest.approx(0.45)


async def test_direction_scale_and_zero_weight_rows(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "down", "m")  # latency_ms: min -> max
        crit = {c.given_as: c for c in app.analysis.criteria}
        assert crit["latency_ms"].direction == "max"
        await pilot.press("u")  # undo
        assert {c.given_as: c for c in app.analysis.criteria}["latency_ms"].direction == "min"
        # Weights typed to zero: rows keep their place; the last one is refused.
        await pilot.press("up")
        for _ in range(4):
            await pilot.press("enter", "0", "enter", "down")  # enter: type a weight
        weights = [(c.given_as, c.raw_weight) for c in app.analysis.criteria]
        assert weights == [("accuracy", 0), ("latency_ms", 0), ("cost", 0),
                           ("maintainability", 0.1)]
        assert any("weight > 0" in n.message for n in app._notifications)
        await pilot.press("minus")  # and with the key (still on the last row): 0.05
        assert app.analysis.criteria[3].raw_weight == pytest.approx(0.05)


async def test_normalization_select(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-normalization")
        await pilot.press("enter", "down", "enter")
        assert app.session.scenario.scoring.normalization == "ratio"
