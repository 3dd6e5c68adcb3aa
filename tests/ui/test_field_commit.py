"""Issue #8: a value field changes the session only when a valid value is committed.

Pressing keys as a user does (80x24): the probe's cases (an intermediate value of the
typing used to reach the session and be saved), enter / esc / leaving a field, stray
keys typed into a field, undo granularity, and the same rules in panes 5 and 7.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, TabbedContent

from tests.ui.helpers import settle, static_text, to_field, type_text
from tests.ui.test_routing_pane import fraud, text
from workbench.model import Session
from workbench.session import load_session, save_session
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.prompt import ConfirmScreen


def _with_min_accuracy(session: Session, value: float) -> Session:
    constraints = replace(session.scenario.constraints, min_accuracy=value)
    return session.with_scenario(constraints=constraints)


def _saved_constraints(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        return dict(tomllib.load(handle)["constraints"])


def _note(app: WorkbenchApp) -> str:
    return static_text(app, "#constraints-error")


def _warnings(app: WorkbenchApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "warning"]


async def _burst(pilot, keys: list[tuple[str, str | None]]) -> None:  # type: ignore[no-untyped-def]
    """Queue keys before any is handled, as a fast typist or a paste does."""
    for key, character in keys:
        event = events.Key(key, character)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


# ---- the probe's cases: typed, never committed, then ctrl+s --------------------------

@pytest.mark.parametrize(
    ("field", "typed", "key", "reason"),
    [
        ("field-monthly_budget_usd", "1e999", "monthly_budget_usd", "out of range"),  # saved 1e+99
        ("field-min_accuracy", "150", "min_accuracy", "<= 100"),  # saved 15
        ("field-monthly_budget_usd", "abc", "monthly_budget_usd", "not a number"),  # dropped the budget
    ],
)
async def test_ctrl_s_never_saves_an_invalid_or_intermediate_value(
        retail, tmp_path: Path, field: str, typed: str, key: str, reason: str):
    session = _with_min_accuracy(retail, 80.0)
    path = tmp_path / "decision.toml"
    save_session(session, path)
    before = _saved_constraints(path)
    assert before["monthly_budget_usd"] == 15000 and before["min_accuracy"] == 80
    app = WorkbenchApp(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, field)
        await pilot.press("ctrl+u")  # an empty field is valid ("none"): still not applied
        await type_text(pilot, typed)
        assert app.session is session  # every prefix of the typing stayed out
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.modified
        widget = app.query_one(f"#{field}", Input)
        assert widget.value == typed and widget.has_focus and widget.has_class("-invalid")
        assert reason in _note(app)
        warning = _warnings(app)[-1]
        assert f"{typed!r} was not applied" in warning and reason in warning
    assert _saved_constraints(path) == before
    reloaded, _ = load_session(path)
    assert reloaded.scenario.constraints == session.scenario.constraints


async def test_ctrl_s_commits_a_valid_edit_first(retail, tmp_path: Path):
    path = tmp_path / "decision.toml"
    save_session(retail, path)
    app = WorkbenchApp(retail, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await type_text(pilot, "$20k")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.modified and not _warnings(app)
        assert app.query_one("#field-monthly_budget_usd", Input).value == "20000"
        await pilot.press("ctrl+z")  # the commit is one undo step
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
    assert _saved_constraints(path)["monthly_budget_usd"] == 20000


# ---- enter, esc, leaving --------------------------------------------------------------

async def test_enter_commits_and_the_next_pane_key_is_a_key(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await type_text(pilot, "100000")
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 100_000
        assert app.focused is not None and app.focused.id == "criteria-table"
        await pilot.press("3")
        assert app.query_one(TabbedContent).active == "frontier"


async def test_escape_restores_the_applied_value_and_leaves(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        field = app.query_one("#field-monthly_budget_usd", Input)
        for typed in ("999", "x9"):  # a valid and an invalid text
            field.focus()
            await pilot.press("ctrl+u")
            await type_text(pilot, typed)
            await pilot.press("escape")
            assert field.value == "15000" and not field.has_class("-invalid")
            assert app.focused is not None and app.focused.id == "criteria-table"
            assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert not app.modified and _note(app) == ""


async def test_leaving_with_a_valid_value_commits_it(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-max_latency_ms")
        await pilot.press("ctrl+u")
        await type_text(pilot, "150")
        await pilot.press("down")  # ↓: the next field (the field table's order)
        assert app.focused is not None and app.focused.id == "field-monthly_budget_usd"
        assert app.session.scenario.constraints.max_latency_ms == 150
        await type_text(pilot, "20000")  # focusing selected the old text
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "field-min_accuracy"
        assert app.session.scenario.constraints.monthly_budget_usd == 20_000
        await pilot.press("u")  # typed, not undo
        assert app.query_one("#field-min_accuracy", Input).value == "u"
        await pilot.press("escape", "u")  # one undo step per committed value
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert app.session.scenario.constraints.max_latency_ms == 150


async def test_leaving_an_invalid_value_restores_the_applied_one_and_says_so(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await pilot.press("ctrl+u")
        await type_text(pilot, "12x")
        assert "not applied" in _note(app)
        await pilot.press("shift+tab")
        field = app.query_one("#field-monthly_budget_usd", Input)
        assert field.value == "15000" and not field.has_class("-invalid")
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert "'12x' is not a number: not applied, back to '15000'" in _note(app)
        assert not app.modified


async def test_a_value_the_engine_refuses_is_restored_when_left(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-limits")
        await type_text(pilot, "gflops<=5")  # parses; pane 1's table has no such column
        await pilot.press("tab")
        await pilot.pause()
        field = app.query_one("#field-limits", Input)
        assert field.value == "" and not field.has_class("-invalid")
        assert "not a numeric column" in _note(app) and "back to none" in _note(app)
        assert app.session.scenario.constraints.max == {} and not app.modified


# ---- stray keys are text --------------------------------------------------------------

STRAY = ["1", "2", "3", "4", "5", "6", "7", "u", "q", "question_mark", "s", "plus", "minus",
         "m", "t", "r", "v", "x", "a", "e", "d", "c", "S", "h", "l", "j", "k", "equals_sign"]
STRAY_TEXT = "1234567uq?s+-mtrvxaedcShljk="


async def test_stray_keys_in_a_field_are_text(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-limits")
        before = app.session
        await pilot.press(*STRAY)
        field = app.query_one("#field-limits", Input)
        assert field.value == STRAY_TEXT
        assert app.is_running and not isinstance(app.screen, HelpScreen)
        assert app.query_one(TabbedContent).active == "constraints"
        assert app.focused is field
        assert app.session is before and not app._notifications  # no undo, no save
        await pilot.press("escape")
        assert field.value == ""


async def test_ctrl_keys_still_work_in_a_field(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await pilot.press("ctrl+u")
        await type_text(pilot, "20000")
        await pilot.press("ctrl+q")  # quit applies the typing first, then asks
        assert isinstance(app.screen, ConfirmScreen)
        assert app.session.scenario.constraints.monthly_budget_usd == 20_000


async def test_ctrl_z_undoes_the_typing_then_the_last_edit(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await type_text(pilot, "30000")
        await pilot.press("enter")
        field = app.query_one("#field-monthly_budget_usd", Input)
        field.focus()
        await type_text(pilot, "9")
        await pilot.press("ctrl+z")  # edited: the typing goes
        assert field.value == "30000" and field.has_focus
        assert app.session.scenario.constraints.monthly_budget_usd == 30_000
        await pilot.press("ctrl+z")  # unedited: the app's undo
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert field.value == "15000"


async def test_a_typed_weight_is_applied_on_enter_only(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "enter")  # enter on a criterion: type its weight
        before = app.session
        await pilot.press("ctrl+u")
        await type_text(pilot, "abc")
        await pilot.press("enter")  # refused in the dialog: nothing applied
        assert app.session is before
        assert "not a number" in static_text(app, "#prompt-error")
        await pilot.press("ctrl+u", "2", "escape")  # esc: the dialog goes, nothing applied
        assert app.session is before
        await pilot.press("enter", "ctrl+u", "2", "enter")
        assert {c.given_as: c.raw_weight for c in app.analysis.criteria}["accuracy"] == 2


# ---- undo granularity and fast keys ---------------------------------------------------

async def test_undo_reverts_one_committed_edit(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        field = app.query_one("#field-monthly_budget_usd", Input)
        for value in ("20000", "30000"):
            field.focus()
            await pilot.press("ctrl+u")
            await type_text(pilot, value)
            await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 30_000
        await pilot.press("u")  # not 3000 or 300: the previous committed value
        assert app.session.scenario.constraints.monthly_budget_usd == 20_000
        await pilot.press("u")
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert not app.modified
        await pilot.press("u")
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000


async def test_a_key_queued_behind_enter_sees_the_committed_value(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-monthly_budget_usd")
        await pilot.press("ctrl+u")
        await _burst(pilot, [("2", "2"), ("5", "5"), ("0", "0"), ("0", "0"), ("0", "0"),
                             ("enter", None), ("u", "u")])
        # enter applied 25000 before u was handled, so u undid exactly that edit
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert not app.modified
        await pilot.press("ctrl+y")
        assert app.session.scenario.constraints.monthly_budget_usd == 25_000


async def test_text_typed_right_after_down_lands_in_the_next_field(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await to_field(pilot, "field-max_latency_ms")
        await pilot.press("ctrl+u")
        await _burst(pilot, [("9", "9"), ("down", None), ("1", "1"), ("2", "2"),
                             ("tab", None)])
        assert app.session.scenario.constraints.max_latency_ms == 9
        assert app.session.scenario.constraints.monthly_budget_usd == 12
        assert app.focused is not None and app.focused.id == "field-min_accuracy"


# ---- the same rules in panes 5 and 7 --------------------------------------------------

async def test_error_cost_field_commits_restores_and_says_so(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        field = app.query_one("#error-cost", Input)
        field.focus()
        await type_text(pilot, "0.2")
        assert app.session.scenario.whatif.error_cost_usd is None
        await pilot.press("escape")
        assert field.value == "" and app.focused is not None and app.focused.id == "sweep-table"
        assert app.session.scenario.whatif.error_cost_usd is None
        field.focus()
        await type_text(pilot, "-1")
        assert "at least 0" in static_text(app, "#error-cost-note")
        await pilot.press("up")  # leaving an invalid value
        assert field.value == "" and app.session.scenario.whatif.error_cost_usd is None
        assert "back to none" in static_text(app, "#error-cost-note")
        field.focus()
        await type_text(pilot, "5")  # 5 is text here, not pane 5
        await pilot.press("enter")
        assert app.session.scenario.whatif.error_cost_usd == 5.0
        assert static_text(app, "#error-cost-note") == ""
        await pilot.press("4")
        assert app.query_one(TabbedContent).active == "matrix"


async def test_routing_fields_commit_on_enter_or_leaving_and_escape_restores():
    from workbench.routing import simulate_session

    session, path = fraud()
    raised = simulate_session(session.with_(routing={**(session.routing or {}), "target_accuracy": 99.7}),
                              path.parent).recommended
    assert raised is not None
    app = WorkbenchApp(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        target = app.query_one("#routing-target", Input)
        target.focus()
        await type_text(pilot, "101rv")  # r and v are text here, not run / view
        assert target.value == "101rv" and target.has_class("-invalid")
        assert "(not applied)" in text(app, "#routing-status")
        await pilot.press("enter")  # refused: stays, marked
        assert target.has_focus and (app.session.routing or {})["target_accuracy"] == 99.5
        await pilot.press("escape")
        assert target.value == "99.5" and not target.has_class("-invalid")
        assert app.focused is not None and app.focused.id == "routing-figures"
        target.focus()
        await type_text(pilot, "99.7")
        await pilot.press("tab")  # leaving a valid value applies it (after its run)
        await settle(pilot)
        assert (app.session.routing or {})["target_accuracy"] == 99.7
        assert f"below {raised.threshold:.6g}" in text(app, "#routing-rule")
        assert target.value == "99.7"
        await pilot.press("escape", "u")
        await pilot.pause()
        assert (app.session.routing or {})["target_accuracy"] == 99.5
        assert target.value == "99.5"


async def test_help_explains_the_value_fields(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)):
        sections = dict(app.help_sections())
        rows = dict(sections["Value fields (panes 2, 5, 7)"])
        assert rows["enter"] == "apply the value and go back to the pane's keys"
        assert rows["esc"] == "put back the applied value and go back to the pane's keys"
        assert rows["↓ tab"] == "apply (if valid) and go to the next field"
        assert rows["↑ shift+tab"] == "apply (if valid) and go to the previous field"
        assert "not saved" in rows["ctrl+s"]
