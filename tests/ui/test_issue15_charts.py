"""Issue #15, items 4 and 5: pane 3's cost-per-1% bars sort by value with `o` (and back);
pane 5's volume chart names the candidates it draws, and `p` picks others."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import SelectionList

from tests.ui.helpers import screen_text, settle, toasts
from workbench.inputs import open_file
from workbench.tui.screens.pick import PickScreen
from workbench.tui.widgets.chart import ChartPanel

ROOT = Path(__file__).resolve().parents[2]
MOBILE = ROOT / "sessions" / "mobile_app_budget.toml"  # five candidates
BAR = re.compile(r"^(\d) (\S+)\s+\$([0-9.]+)┤█")


def _mobile(make_app):  # type: ignore[no-untyped-def]
    session, notes, path = open_file(str(MOBILE))
    assert len(session.scenario.candidates) == 5
    return make_app(session, path, notes)


def _bars(text: str) -> list[tuple[str, str, float]]:
    """(rank, name, USD) of each bar line, top to bottom."""
    return [(m[1], m[2], float(m[3])) for m in map(BAR.match, text.splitlines()) if m]


async def test_o_sorts_the_cost_per_point_bars_by_value_and_back(make_app):
    app = _mobile(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = screen_text(app)
        assert "Cost per 1% accuracy, USD per 1k inferences (rank order)" in screen
        rank_order = [(r, n) for r, n, _ in _bars(screen)]
        assert rank_order == [("1", "ResNet-50"), ("2", "EfficientNet-B0"),
                              ("3", "MobileNetV3-Large"), ("4", "ConvNeXt-Tiny")]

        await pilot.press("o")
        await settle(pilot)
        screen = screen_text(app)
        assert "Cost per 1% accuracy, USD per 1k inferences (cheapest first)" in screen
        assert toasts(app)[-1] == "Cost-per-1% bars: cheapest first (o switches)"
        bars = _bars(screen)
        assert [(r, n) for r, n, _ in bars] == [
            ("3", "MobileNetV3-Large"), ("2", "EfficientNet-B0"), ("1", "ResNet-50"),
            ("4", "ConvNeXt-Tiny")]
        assert [v for _, _, v in bars] == [0.00000176, 0.00000252, 0.00000425, 0.00000545]
        # The whole chart (it scrolls at 80x24): the same five bars, cheapest first.
        full = _bars(app.query_one("#bars-chart", ChartPanel).chart_text())
        assert [n for _, n, _ in full][-1] == "EfficientNet-B4" and len(full) == 5
        assert [v for _, _, v in full] == sorted(v for _, _, v in full)

        await pilot.press("o")
        await settle(pilot)
        screen = screen_text(app)
        assert "(rank order)" in screen
        assert toasts(app)[-1] == "Cost-per-1% bars: rank order (o switches)"
        assert [(r, n) for r, n, _ in _bars(screen)] == rank_order


async def test_volume_chart_names_its_lines_and_p_picks_others(make_app):
    app = _mobile(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "v")  # the chart view
        await settle(pilot)
        screen = screen_text(app)
        assert ("Lines: 4 of 5 candidates (the top 4 by rank and every pick of the sweep; "
                "at") in screen
        assert ("Drawn: 1 ResNet-50, 2 EfficientNet-B0, 3 MobileNetV3-Large, "
                "4 ConvNeXt-Tiny") in screen
        assert "EfficientNet-B4" not in screen

        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        picker = app.screen.query_one("#pick-list", SelectionList)
        assert picker.selected == ["ResNet-50", "EfficientNet-B0", "MobileNetV3-Large",
                                   "ConvNeXt-Tiny"]  # ticked: what is drawn now
        # Untick 2 and 3, tick 5, apply.
        await pilot.press("down", "space", "down", "space", "down", "down", "space", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, PickScreen)
        screen = screen_text(app)
        assert "Lines: 3 of 5 candidates (chosen with p; at most 17) · p: choose" in screen
        assert "Drawn: 1 ResNet-50, 4 ConvNeXt-Tiny, 5 EfficientNet-B4" in screen
        assert "EfficientNet-B0" not in screen and "MobileNetV3-Large" not in screen
        key = app.query_one("#volume-chart", ChartPanel).chart_text().split("Key:", 1)[1]
        assert [line.split(None, 2)[2] for line in key.strip().splitlines()[1:]] == [
            "ResNet-50", "ConvNeXt-Tiny", "EfficientNet-B4"]
