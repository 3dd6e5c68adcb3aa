"""The terminal never obeys a model name (issue #8): every pane, dialog and toast.

The hostile record of tests/hostile.py is opened at 80x24. For every pane and dialog
the test reads what the app would write to the terminal (the compositor's lines, line
filters applied) and asserts that no control character, DEL, C1 or bidi character is
there, that the visible escape `\\x1b` is, and that markup in a name is shown as
written. It also reads the widgets themselves (whole cells, not just what fits on the
screen) and checks that the session keeps every string exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea

from tests.hostile import (
    CONTROLS,
    FLAG_COL,
    LIMIT_COL,
    LINK,
    MARKUP,
    NAME,
    NOTES,
    OTHER,
    RATIONALE,
    TEXT_COL,
    TITLE,
    hostile_session,
    raw_controls,
    write_session,
)
from tests.ui.helpers import settle, static_text, status, table_column
from workbench.fmt import printable
from workbench.model import Decision
from workbench.session import load_session
from workbench.tui.app import WorkbenchApp
from workbench.tui.safe import TerminalSafe, editable, literal, unedited
from workbench.tui.screens.open_file import MappingScreen, OpenScreen
from workbench.tui.screens.prompt import ConfirmScreen, PromptScreen
from workbench.tui.widgets.chart import ChartPanel

SIZE = (80, 24)
NAMES_BY_RANK = [NAME, MARKUP, LINK, OTHER]


def cut(name: str, width: int) -> str:
    """A name as a narrow (80-column) table shows it: escaped, then cut to `width`."""
    return literal(name, cut=width).plain


def screen_text(app: WorkbenchApp) -> str:
    """Every line the top screen sends to the terminal, as text. The compositor's strips
    are what the driver writes (between its own cursor and style sequences)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_screen_safe(app: WorkbenchApp) -> str:
    text = screen_text(app)
    assert raw_controls(text) == []
    assert "\\x1b" in text
    return text


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers (routing simulation, charts) finish and their results be drawn."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def cell_texts(table: DataTable) -> list[str]:  # type: ignore[type-arg]
    out = [str(column.label) for column in table.columns.values()]
    for i in range(table.row_count):
        out += [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
    return out


def select_shown(select: Select) -> str:  # type: ignore[type-arg]
    """The text a Select shows for its value."""
    return str(select.query_one("SelectCurrent Static#label", Static).render())


@pytest.fixture
def hostile_path(in_tmp: Path) -> Path:
    return write_session(in_tmp)


def hostile_app(path: Path) -> WorkbenchApp:
    session, notes = load_session(path)
    assert session.scenario.candidates["name"].tolist() == NAMES_BY_RANK  # exact after TOML
    return WorkbenchApp(session, path, notes)


# ------------------------------------------------------------------------- panes


def check_candidates(app: WorkbenchApp, text: str) -> None:
    table = app.query_one("#candidates-table", DataTable)
    from workbench.tui.panes.candidates import NAME_CUT_NARROW

    names = table_column(app, "#candidates-table", "name")
    # The routed system joins the table (evaluate); its name is made of the models'.
    routed = [n for n in names if n.startswith("cascade: ")]
    assert routed == [cut(f"cascade: {NAME} -> {LINK}", NAME_CUT_NARROW)[:len(routed[0])]]
    assert [n for n in names if n not in routed] == [cut(n, NAME_CUT_NARROW) for n in NAMES_BY_RANK]
    assert printable(TEXT_COL) in cell_texts(table)  # an extra column's header
    assert printable(LIMIT_COL) in cell_texts(table)
    assert ("MIT" + printable(CONTROLS))[:39] + "…" in cell_texts(table)  # its cell, cut
    assert MARKUP in text and LINK in text  # drawn as written, not "xq" and "l"
    detail = static_text(app, "#candidate-detail")
    assert detail.startswith(f"✓ {printable(NAME)} meets every constraint")


def check_constraints(app: WorkbenchApp, text: str) -> None:
    assert printable(LIMIT_COL) in table_column(app, "#criteria-table", "criterion")
    # The limits field holds the exact column name; the line filter keeps it off the terminal.
    assert app.query_one("#field-limits", Input).value.startswith(LIMIT_COL)


def check_frontier(app: WorkbenchApp, text: str) -> None:
    # The charts label names with U+FFFD (charts.clean_label): nothing raw in the whole
    # drawing, the part below the screen included.
    for chart in app.query(ChartPanel).results(ChartPanel):
        assert raw_controls(chart.chart_text()) == []


def check_matrix(app: WorkbenchApp, text: str) -> None:
    from workbench.tui.panes.matrix import CRITERION_CUT_NARROW, NAME_CUT_NARROW

    table = app.query_one("#matrix-table", DataTable)
    cells = cell_texts(table)
    assert cut(NAME, NAME_CUT_NARROW) in cells and cut(MARKUP, NAME_CUT_NARROW) in cells
    header = cut(LIMIT_COL, CRITERION_CUT_NARROW)
    assert any(c.startswith(header) for c in cells)  # the criterion's header
    rec = static_text(app, "#recommendation")
    assert rec.startswith(f"Recommendation: {printable(NAME)}\nWhy: ")
    assert f"Runner-up: {MARKUP}" in rec


def check_whatif(app: WorkbenchApp, text: str) -> None:
    from workbench.tui.panes.whatif import NAME_CUT_NARROW

    sweep = cell_texts(app.query_one("#sweep-table", DataTable))
    assert cut(NAME, NAME_CUT_NARROW) in sweep
    assert static_text(app, "#delta-summary").startswith(f"Baseline {printable(OTHER)} (")
    assert cut(OTHER, NAME_CUT_NARROW) in cell_texts(app.query_one("#delta-table", DataTable))
    select = app.query_one("#baseline-select", Select)
    assert select.value == OTHER  # the session's exact name
    assert select_shown(select) == printable(OTHER)


def check_report(app: WorkbenchApp, text: str) -> None:
    assert app.query_one("#report-title", Input).value == editable(TITLE)
    assert app.query_one("#report-rationale", TextArea).text == editable(RATIONALE, newlines=True)
    assert app.query_one("#report-notes", TextArea).text == editable(NOTES, newlines=True)
    assert "\nsecond line" in app.query_one("#report-notes", TextArea).text
    chosen = app.query_one("#report-chosen", Select)
    assert chosen.value == NAME and select_shown(chosen) == printable(NAME)
    # Showing escapes changed nothing: the session keeps the exact strings.
    assert not app.modified
    assert (app.session.title, app.session.notes) == (TITLE, NOTES)
    assert app.session.decision.rationale == RATIONALE


def check_routing(app: WorkbenchApp, text: str) -> None:
    rule = static_text(app, "#routing-rule")
    # The rule names the models; the hostile candidate name shows as visible escapes.
    assert rule.startswith(f"Run {printable(NAME)} on every item")
    assert f"or {printable(FLAG_COL)} is set" in rule
    assert f"Forced escalation ({printable(FLAG_COL)} nonzero)" in static_text(app, "#routing-notes")
    assert select_shown(app.query_one("#routing-cheap", Select)) == printable(NAME)
    assert select_shown(app.query_one("#routing-expensive", Select)) == LINK
    # The field holds the exact column name (it must match the log); it is the line
    # filter that keeps its controls off the terminal.
    assert app.query_one("#routing-when", Input).value == FLAG_COL


CHECKS = {"1": check_candidates, "2": check_constraints, "3": check_frontier,
          "4": check_matrix, "5": check_whatif, "6": check_report, "7": check_routing}


@pytest.mark.parametrize("pane", list(CHECKS))
async def test_every_pane_shows_names_escaped(hostile_path: Path, pane: str) -> None:
    app = hostile_app(hostile_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(pane)
        await settle(pilot)
        text = assert_screen_safe(app)
        # The status line: the pick, escaped, on every pane.
        assert status(app).startswith(f"hostile.toml │ pick: {printable(NAME)} $")
        CHECKS[pane](app, text)


# ----------------------------------------------------------------------- dialogs


async def test_open_dialog_lists_hostile_sessions(retail, in_tmp: Path) -> None:  # type: ignore[no-untyped-def]
    folder = in_tmp / "sessions"
    evil_file = "evil\x1b]0;pwn\x07\u202e[b]x.toml"
    write_session(folder, evil_file)
    marked = hostile_session().with_(title=MARKUP)
    write_session(folder, "markup.toml", session=marked.with_(decision=Decision(chosen=MARKUP)))
    (folder / "broken\x1b[2J.toml").write_text('title = "\\u001b]0;x\\u0007"\n[[[', encoding="utf-8")
    app = WorkbenchApp(retail)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, OpenScreen)
        await settle(pilot)
        text = assert_screen_safe(app)
        rows = app.screen.query_one("#open-sessions", DataTable)
        cells = cell_texts(rows)
        assert printable(evil_file) in cells and printable("broken\x1b[2J.toml") in cells
        hostile_row = [str(c) for c in rows.get_row(str(folder / evil_file))]
        assert hostile_row[0] == printable(TITLE)[:29] + "…"  # cut after escaping
        assert hostile_row[2] == printable(NAME)[:21] + "…"
        markup_row = [str(c) for c in rows.get_row(str(folder / "markup.toml"))]
        assert markup_row[0] == MARKUP and markup_row[3] == MARKUP[:21] + "…"
        assert MARKUP in text  # not "xq"
        assert "unreadable: " in text


async def test_mapping_dialog_shows_headers_escaped(retail, in_tmp: Path) -> None:  # type: ignore[no-untyped-def]
    header = "Thing\x1b]0;pwn\x07" + CONTROLS.replace("\n", "").replace("\r", "") + MARKUP
    path = in_tmp / "odd\x1b[2J.csv"
    path.write_bytes(f'"{header}",Goodness,Wait,Spend\nA,95,10,0.5\n'.encode())
    app = WorkbenchApp(retail)
    async with app.run_test(size=SIZE) as pilot:
        app.open_file(path)
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen)
        assert_screen_safe(app)  # the file name in the title
        select = app.screen.query_one("#map-name", Select)
        select.focus()
        await pilot.press("enter")  # open the list of headers
        await pilot.pause()
        text = assert_screen_safe(app)
        assert printable(header)[:40] in text
        assert header in [value for _, value in select._options]  # the exact header


async def test_toasts_show_names_as_written(hostile_path: Path) -> None:
    app = hostile_app(hostile_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("j", "x")  # delete the second candidate: MARKUP
        await pilot.pause()
        assert [n.message for n in app._notifications] == [f"Deleted {MARKUP} (u to undo)"]
        assert MARKUP in screen_text(app)  # not "xq" with a quit link
        await pilot.press("g", "x")  # and the first: NAME
        await pilot.pause()
        assert_screen_safe(app)
        assert f"Deleted {printable(NAME)} (u to undo)" in [n.message for n in app._notifications]


async def test_prompt_shows_escapes_and_gives_back_the_exact_name(hostile_path: Path) -> None:
    app = hostile_app(hostile_path)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one("#candidates-table", DataTable)
        table.cursor_coordinate = table.cursor_coordinate._replace(
            row=0, column=list(table.columns).index("name"))
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        text = assert_screen_safe(app)
        assert app.screen.query_one(Input).value == printable(NAME)
        assert str(app.screen.query_one(Label).render()) == f"{printable(NAME)}: name"
        assert "Edit Candidate" in text
        await pilot.press("enter")  # unchanged: the exact name stays
        assert not isinstance(app.screen, PromptScreen)
        assert app.session.scenario.candidates["name"].tolist()[0] == NAME
        assert not app.modified


async def test_confirm_dialog_names_the_file_escaped(in_tmp: Path) -> None:
    path = write_session(in_tmp, "evil\x1b]0;pwn\x07\u202e.toml")
    app = hostile_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "x", "q")  # an edit, then quit: "save first?"
        assert isinstance(app.screen, ConfirmScreen)
        text = assert_screen_safe(app)
        assert printable(path.name) in text
        await pilot.press("escape")


# ------------------------------------------------------------------- the helpers


def test_literal_never_reads_markup_and_escapes_controls() -> None:
    assert literal(MARKUP).plain == MARKUP and literal(MARKUP).spans == []
    assert literal("a\x1b[2J\nb").plain == "a\\x1b[2J\\nb"
    assert literal("a\nb", newlines=True).plain == "a\nb"
    assert literal("\x1b" * 10, cut=9).plain == "\\x1b\\x1b…"


def test_editable_round_trip() -> None:
    assert editable("a\tb\x1b\nc", newlines=True) == "a\tb\\x1b\nc"
    assert editable("a\tb") == "a\\tb"
    assert unedited(editable(NAME), NAME) and not unedited(editable(NAME) + "x", NAME)
    assert editable(None) == "" and not unedited("", None)


def test_line_filter_drops_what_a_widget_still_holds() -> None:
    filtered = TerminalSafe().apply(
        [Segment("a\x1b]0;x\x07b\u202ec\x9b"), Segment("\x1b[2J", None, [(1,)])], Color(0, 0, 0))
    assert [s.text for s in filtered] == ["a]0;xbc", "\x1b[2J"]  # control segments: Textual's own
