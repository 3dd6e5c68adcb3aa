"""Issue #15, items 7 and 9: unit conversions made on load are said when the file opens and
listed by `n`; `workbench FILE` with an unknown header offers the column-mapping dialog
(as ctrl+o does) instead of exiting."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from tests.ui.helpers import screen_text, settle, static_text, status, toasts, type_text
from workbench.cli.main import _tui_parser
from workbench.tui.app import build_app
from workbench.tui.screens.notes import NotesScreen
from workbench.tui.screens.open_file import MappingScreen

LATENCY = "latency_ms <- 'Latency (s)' (seconds converted to ms (x1000))"
COST = "cost_per_1k <- 'USD per image' (per single inference converted to per 1k (x1000))"


async def test_conversions_on_load_are_said_and_listed_by_n(retail, make_app, tmp_path: Path):
    (tmp_path / "units.csv").write_text(
        "Model,Accuracy (%),Latency (s),USD per image\nAlpha,91,0.05,0.0004\nBeta,88,0.012,0.0001\n")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await type_text(pilot, "units.csv")
        await pilot.press("enter")
        await settle(pilot)
        frame = app.session.scenario.candidates
        assert frame["latency_ms"].tolist() == [50.0, 12.0]  # seconds x1000
        assert frame["cost_per_1k"].tolist() == [0.4, 0.1]  # per image x1000
        # The toast names both conversions first (the header matches follow with n).
        assert toasts(app)[-1] == f"Read units.csv: {LATENCY}; {COST} (+2 more) · n: all notes"
        await pilot.press("n")
        assert isinstance(app.screen, NotesScreen)
        # The dialog's inside, line by line (the pane shows at its edges).
        lines = [line.split("│")[1].strip() for line in screen_text(app).splitlines()
                 if line.count("│") >= 2]
        start = lines.index("How the file was read (header matches and unit conversions)")
        assert lines[start + 1:start + 4] == ["• name <- 'Model'", "• accuracy <- 'Accuracy (%)'",
                                               f"• {LATENCY}"]
        # The fourth note wraps at 80 columns; its words are all there.
        assert " ".join(lines[start + 4:start + 6]) == f"• {COST}"
        await pilot.press("n")  # n closes it again
        assert not isinstance(app.screen, NotesScreen)


async def test_workbench_file_with_unknown_headers_offers_the_mapping(tmp_path: Path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Thing,Goodness,Wait,Spend\nA,95,10,0.5\nB,90,5,0.1\n")
    app = build_app(_tui_parser().parse_args([str(odd)]))
    assert not isinstance(app, int)  # not an exit with status 2
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MappingScreen)
        assert static_text(app, ".dialog-title") == "Map the columns of odd.csv"
        assert "missing required column(s): name; accuracy; latency_ms" in screen_text(app)
        assert app.screen.query_one("#map-cost_per_1k", Select).value == "Spend"  # guessed
        for column, header in (("name", "Thing"), ("accuracy", "Goodness"),
                               ("latency_ms", "Wait")):
            select = app.screen.query_one(f"#map-{column}", Select)
            select.focus()
            await pilot.press("enter")  # open the list, type to find the header, choose
            await type_text(pilot, header[:3])
            await pilot.press("enter")
            assert select.value == header
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, MappingScreen)
        assert app.session.scenario.candidates["name"].tolist() == ["A", "B"]
        assert app.session.scenario.candidates["accuracy"].tolist() == [95.0, 90.0]
        assert "odd.csv" in status(app)
    assert app.fatal is None


async def test_workbench_file_mapping_cancelled_exits_with_the_reason(tmp_path: Path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Thing,Goodness,Wait,Spend\nA,95,10,0.5\n")
    app = build_app(_tui_parser().parse_args([str(odd)]))
    assert not isinstance(app, int)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen)
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_code == 2
    assert app.fatal is not None and app.fatal.startswith(f"{odd}: missing required column(s)")
