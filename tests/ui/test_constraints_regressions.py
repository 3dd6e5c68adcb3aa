"""Regressions in pane 2: fast typing, undo granularity, ↑ out of the criteria table.

Fields commit on enter (see workbench/tui/widgets/field.py); these check that typing
fast never loses text and that a change from elsewhere still reaches a focused field."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tests.ui.helpers import to_field
from workbench import edits
from workbench.tui.panes.constraints import field_id, form_fields
from workbench.tui.widgets.select import FieldSelect


async def _burst(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Send keys the way a fast typist (or a terminal) does: all queued before any
    is handled. `pilot.press` waits for idle after each key, which hides the race."""
    driver = pilot.app._driver
    for ch in text:
        event = events.Key(ch, ch)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


def _criterion(app, column: str):  # type: ignore[no-untyped-def]
    return next(c for c in edits.criteria_rows(app.session, app.analysis) if c.column == column)


async def test_fast_typing_in_a_field_is_not_overwritten(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        field = app.query_one("#field-monthly_budget_usd", Input)
        await pilot.press("ctrl+u")
        await pilot.press("1", "0", "0", "0", "0", "0")  # as the brief asks ...
        await _burst(pilot, "9")
        assert field.value == "1000009"
        await pilot.press("ctrl+u")
        await _burst(pilot, "100000")  # ... and as a real burst
        await _burst(pilot, "9")
        await pilot.pause()
        assert field.value == "1000009"
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000  # not yet
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 1_000_009


async def test_fast_typing_keeps_the_cursor_where_the_user_types(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        field = app.query_one("#field-monthly_budget_usd", Input)
        await pilot.press("ctrl+u")
        await _burst(pilot, "25000")
        await _burst(pilot, "x")
        await pilot.pause()
        assert field.value == "25000x"
        assert field.cursor_position == len("25000x")
        assert field.has_class("-invalid")
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000


async def test_a_change_from_elsewhere_still_reaches_a_focused_field(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        field = app.query_one("#field-monthly_budget_usd", Input)
        await pilot.press("ctrl+u")
        await _burst(pilot, "500")
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 500
        field.focus()
        await pilot.pause()
        app.action_undo()  # as from the palette: not the user's typing
        await pilot.pause()
        assert field.has_focus
        assert field.value == "15000"
        assert field.cursor_position == len("15000")
        await _burst(pilot, "1")
        assert field.value == "150001"
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 150_001
        # Typing under way survives a change that leaves this field's value alone.
        field.focus()
        await pilot.press("ctrl+u")
        await _burst(pilot, "7")
        app.apply_edit(lambda s: s.with_(title="Renamed elsewhere"), "title")
        await pilot.pause()
        assert app.session.title == "Renamed elsewhere"
        assert field.value == "7" and field.has_focus


async def test_one_undo_reverts_one_kind_of_criterion_edit(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "down")  # latency_ms
        before = _criterion(app, "latency_ms")
        await pilot.press("plus", "plus")  # consecutive nudges: one undo step
        after_weight = _criterion(app, "latency_ms")
        assert after_weight.weight > before.weight
        await pilot.press("m", "t")
        after = _criterion(app, "latency_ms")
        assert (after.direction, after.scale) != (before.direction, before.scale)
        await pilot.press("u")  # the scale only
        now = _criterion(app, "latency_ms")
        assert (now.weight, now.direction, now.scale) == (
            after.weight, after.direction, before.scale)
        await pilot.press("u")  # then the direction
        now = _criterion(app, "latency_ms")
        assert (now.weight, now.direction) == (after_weight.weight, before.direction)
        await pilot.press("u")  # then both weight nudges
        assert _criterion(app, "latency_ms").weight == before.weight


async def test_up_from_the_top_row_of_the_criteria_table_leaves_it(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "down", "up")  # row 1 -> row 0: still in the table
        assert app.focused is not None and app.focused.id == "criteria-table"
        assert app.focused.cursor_coordinate.row == 0
        await pilot.press("up")  # the top row: to the field above (the form's last) ...
        last = form_fields()[-1]
        assert app.focused is not None and app.focused.id == field_id(last)
        # ... and on to the lists above it: ↑ moves between fields, never opens a list.
        for _ in range(40):
            await pilot.press("up")
            assert not any(select.expanded for select in app.query(FieldSelect).results(FieldSelect))
            if app.focused is not None and app.focused.id == "field-normalization":
                break
        assert app.focused is not None and app.focused.id == "field-normalization"
        await pilot.press("up")  # past the list, on up
        assert app.focused is not None and app.focused.id != "field-normalization"
