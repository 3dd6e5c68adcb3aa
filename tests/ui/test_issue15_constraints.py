"""Issue #15, items 8 and 12 (pane 2): `<` in "Other limits" is refused with a message
that says to write `<=` (limits are inclusive); ↑ and ↓ move between the form's fields
and never open a list."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.helpers import settle, static_text, to_field, type_text
from workbench.inputs import open_file
from workbench.tui.panes.constraints import field_id, form_fields
from workbench.tui.widgets.select import FieldSelect

ROOT = Path(__file__).resolve().parents[2]
MOBILE = ROOT / "sessions" / "mobile_app_budget.toml"  # has params_m and gflops columns



@pytest.mark.parametrize(("typed", "meant"), [("params_m<50", "params_m<=50"),
                                               ("gflops>2", "gflops>=2")])
async def test_strict_limit_is_refused_and_says_what_to_write(make_app, typed: str, meant: str):
    session, notes, path = open_file(str(MOBILE))
    assert (session.scenario.constraints.max, session.scenario.constraints.min) == ({}, {})
    app = make_app(session, path, notes)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-limits")
        field = app.query_one("#field-limits", Input)
        await type_text(pilot, typed)
        said = (f"Other limits: '{typed}': limits are inclusive; write {meant} (not applied)")
        assert field.has_class("-invalid")
        assert static_text(app, "#constraints-error") == said
        before = app.session
        await pilot.press("enter")  # refused: the text and the focus stay
        assert field.has_focus and field.value == typed
        assert app.session is before
        assert (app.session.scenario.constraints.max, app.session.scenario.constraints.min) == ({}, {})
        assert static_text(app, "#constraints-error") == said
        await pilot.press("escape")  # back to the applied value (none)
        assert field.value == "" and app.session is before
        # What the message says to write is accepted.
        await to_field(pilot, "field-limits")
        await type_text(pilot, meant)
        await pilot.press("enter")
        await settle(pilot)
        column, value = meant.replace(">=", "<=").split("<=")
        limits = app.session.scenario.constraints.max if "<=" in meant else \
            app.session.scenario.constraints.min
        assert limits == {column: float(value)}
        assert static_text(app, "#constraints-error") == ""


async def test_arrows_walk_the_form_and_never_open_a_list(retail, make_app):
    # The form top to bottom: the field table's fields by section, "Other limits" after
    # the constraints section, the ledger button after the cost-of-ownership section.
    fields = form_fields()
    expected = []
    for i, f in enumerate(fields):
        expected.append(field_id(f))
        last_of_section = i + 1 == len(fields) or fields[i + 1].section != f.section
        if last_of_section and f.section == "constraints":
            expected.append("field-limits")
        if last_of_section and f.section == "tco":
            expected.append("ledger-button")
    assert expected[0] == "field-volume_per_day" and "field-normalization" in expected
    assert "field-limits" in expected and "ledger-button" in expected
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        assert app.focused is not None and app.focused.id == "criteria-table"
        seen_up = []
        for _ in expected:  # ↑ from the criteria table's top row, field by field
            await pilot.press("up")
            assert not any(s.expanded for s in app.query(FieldSelect).results(FieldSelect))
            seen_up.append(app.focused.id if app.focused is not None else None)
        assert seen_up == expected[::-1]
        assert app.focused.id == "field-volume_per_day"
        # ↑ on the first field stays there: not onto the form's scroll container, where
        # ↑/↓ only scrolled and never came back to a field, nor onto the tab strip.
        for _ in range(2):
            await pilot.press("up")
            assert app.focused is not None and app.focused.id == "field-volume_per_day"
        seen_down = []
        for _ in expected:  # and ↓ all the way back to the criteria table
            await pilot.press("down")
            assert not any(s.expanded for s in app.query(FieldSelect).results(FieldSelect))
            seen_down.append(app.focused.id if app.focused is not None else None)
        assert seen_down == [*expected[1:], "criteria-table"]
        # Nothing was changed on the way (moving between fields commits no edit).
        assert not app.modified
        # Enter on a list does open it (and esc closes it), so lists stay reachable.
        await to_field(pilot, "field-normalization")
        await pilot.press("enter")
        select = app.query_one("#field-normalization", FieldSelect)
        assert select.expanded
        await pilot.press("escape")
        assert not select.expanded and app.session.scenario.scoring.normalization == "minmax"
