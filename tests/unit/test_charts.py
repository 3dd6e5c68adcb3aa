"""Text charts: keys, axes, limits, sampling, edge cases and speed."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.views import canvas, charts
from workbench.analysis import Analysis, analyze
from workbench.inputs import session_from_table
from workbench.model import Constraints, Scenario, Workload

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[")


def table(names: list[str], accuracy: list[float], cost: list[float],
          latency: list[float] | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "name": names,
        "accuracy": [float(a) for a in accuracy],
        "latency_ms": [float(x) for x in (latency or [10.0] * len(names))],
        "cost_per_1k": [float(c) for c in cost],
    })


def run(frame: pd.DataFrame, **kw: object) -> Analysis:
    return analyze(Scenario(frame, **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def retail() -> Analysis:
    session, _ = session_from_table(ROOT / "sample_data" / "retail_checkout.csv")
    session = session.with_scenario(
        workload=Workload(volume_per_day=500_000),
        constraints=Constraints(max_latency_ms=200, monthly_budget_usd=15_000),
    )
    return analyze(session.scenario)


@pytest.fixture(scope="module")
def imagenet() -> Analysis:
    session, _ = session_from_table(ROOT / "sample_data" / "imagenet_5.csv")
    return analyze(session.with_scenario(
        workload=Workload(volume_per_day=8_000_000),
        constraints=Constraints(monthly_budget_usd=100, min_accuracy=76),
    ).scenario)


def canvas_lines(chart: str) -> list[str]:
    """The lines inside the chart frame (between ┌ and └), frame columns cut off."""
    lines = chart.split("\n")
    bottom = max(i for i, line in enumerate(lines) if "┘" in line)
    left = lines[bottom].index("└")
    right = lines[bottom].rindex("┘")
    top = max(i for i in range(bottom) if len(lines[i]) > left and lines[i][left] == "┌")
    return [line.ljust(right)[left + 1:right] for line in lines[top + 1:bottom]]


def key_section(chart: str) -> list[str]:
    lines = chart.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Key:"))
    return [line for line in lines[start + 1:] if line.strip()]


def marker_columns(chart: str, marker: str) -> list[int]:
    return sorted(j for line in canvas_lines(chart) for j, ch in enumerate(line) if ch == marker)


# ------------------------------------------------------------------------ frontier


@pytest.mark.parametrize("name", ["retail", "imagenet"])
def test_every_point_keyed_and_labelled_on_small_charts(name: str, request: pytest.FixtureRequest) -> None:
    a: Analysis = request.getfixturevalue(name)
    chart = charts.frontier_chart(a)
    inside = "\n".join(canvas_lines(chart))
    keys = key_section(chart)
    assert len(keys) == len(a.table)
    for rank, (line, cand) in enumerate(zip(keys, a.table["name"]), start=1):
        assert line.split()[0] == str(rank)
        assert cand in line
        assert "crowded" not in line
        assert re.search(rf"(?<!\d){rank}(?!\d)", inside), f"label {rank} not on the chart"


def test_key_marks_pick_feasible_infeasible_and_frontier(retail: Analysis) -> None:
    keys = key_section(charts.frontier_chart(retail))
    assert keys[0].split()[:2] == ["1", "@"]  # MobileNet, the pick
    assert keys[1].split()[:2] == ["2", "x"]  # ResNet breaks the budget
    assert all(line.rstrip().endswith("frontier") for line in keys)
    assert "$1,500/month" in keys[0] and "90.00%" in keys[0]


def test_log_axis_when_costs_span_more_than_10x() -> None:
    a = run(table(["a", "b", "c"], [70, 80, 90], [1, 10, 100]))
    chart = charts.frontier_chart(a)
    assert "log scale" in chart
    cols = sorted(marker_columns(chart, "o") + marker_columns(chart, "@"))
    assert len(cols) == 3
    # Equal ratios sit at equal distances on a log axis.
    assert abs((cols[1] - cols[0]) - (cols[2] - cols[1])) <= 1
    assert "$10" in chart and "$100" in chart


def test_linear_axis_when_costs_span_10x_or_less() -> None:
    a = run(table(["a", "b", "c"], [70, 80, 90], [1, 2, 3]))
    chart = charts.frontier_chart(a)
    assert "log scale" not in chart
    cols = sorted(marker_columns(chart, "o") + marker_columns(chart, "@"))
    assert abs((cols[1] - cols[0]) - (cols[2] - cols[1])) <= 1


def test_budget_and_minimum_accuracy_lines(retail: Analysis) -> None:
    chart = charts.frontier_chart(retail)
    assert "│ budget $15,000/month" in chart
    assert any("│" in line for line in canvas_lines(chart))  # the vertical budget line
    a = run(table(["a", "b", "c"], [70, 80, 90], [1, 2, 3]),
            constraints=Constraints(min_accuracy=75))
    with_min = charts.frontier_chart(a)
    assert "─ minimum accuracy 75.00%" in with_min
    assert any(set(line) <= set("─┼xo@·0123456789 ") and "──" in line
               for line in canvas_lines(with_min))


def test_budget_far_off_the_chart_is_named_not_drawn() -> None:
    a = run(table(["a", "b"], [70, 80], [1, 2]), workload=Workload(volume_per_day=1000),
            constraints=Constraints(monthly_budget_usd=1e9))
    chart = charts.frontier_chart(a)
    assert "off the chart (right)" in chart


def test_no_volume_uses_cost_per_1k_and_says_budget_is_not_drawn() -> None:
    a = run(table(["a", "b"], [70, 80], [1, 2]), constraints=Constraints(monthly_budget_usd=5))
    chart = charts.frontier_chart(a)
    assert "cost per 1k inferences" in chart
    assert "budget not drawn" in chart
    assert "$1.0000/1k" in chart


@pytest.mark.parametrize(
    "frame",
    [
        table(["only"], [90], [1]),
        table(["a", "b", "c"], [90, 91, 92], [1, 1, 1]),
        table(["free", "cheap", "dear"], [70, 80, 95], [0, 0.5, 50]),
        table(["free", "also free"], [70, 80], [0, 0]),
    ],
    ids=["one", "equal-costs", "a-zero-cost", "all-zero-costs"],
)
@pytest.mark.parametrize("volume", [None, 1000.0])
def test_edge_cases_draw(frame: pd.DataFrame, volume: float | None) -> None:
    a = run(frame, workload=Workload(volume_per_day=volume),
            constraints=Constraints(monthly_budget_usd=10, min_accuracy=75))
    chart = charts.frontier_chart(a)
    assert len(key_section(chart)) == len(frame)
    for name in frame["name"]:
        assert name in chart
    assert charts.cost_per_point_bars(a)
    assert charts.volume_chart(a) == ("" if volume is None else charts.volume_chart(a))


def test_zero_cost_on_a_log_axis_is_clipped_and_said() -> None:
    a = run(table(["free", "cheap", "dear"], [70, 80, 95], [0, 0.5, 50]))
    chart = charts.frontier_chart(a)
    assert "log scale" in chart
    assert "a cost of $0 cannot sit on a log axis: drawn at $0.25" in chart


def test_chart_lines_fit_the_width(imagenet: Analysis) -> None:
    for width in (40, 60, 78, 120):
        chart = charts.frontier_chart(imagenet, width=width, height=16)
        lines = chart.split("\n")
        start = next(i for i, line in enumerate(lines) if line.startswith("Key:"))
        assert max(len(line) for line in lines[:start]) <= width
        # The chart is exactly `height` lines (title to axis label), then the legend.
        assert "log scale" in lines[15] or "USD" in lines[15]
        assert lines[16] == ""


def test_colour_only_when_asked(retail: Analysis) -> None:
    plain = charts.frontier_chart(retail)
    coloured = charts.frontier_chart(retail, color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_deterministic_and_thread_safe(imagenet: Analysis) -> None:
    expected = charts.frontier_chart(imagenet)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: charts.frontier_chart(imagenet), range(12)))
    assert all(r == expected for r in results)


def test_hostile_names_cannot_escape_the_key() -> None:
    names = ["a|b`c<script>alert(1)</script>", "evil\x1b[31mred\nnext line", "\u202egnp.exe"]
    chart = charts.frontier_chart(run(table(names, [70, 80, 90], [1, 2, 3])))
    assert "\x1b" not in chart and "\u202e" not in chart
    keys = key_section(chart)
    assert len(keys) == 3
    assert any("evil�[31mred next line" in line for line in keys)


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cost = rng.lognormal(0.0, 1.5, n)
    accuracy = np.clip(60 + 10 * np.log1p(cost) + rng.normal(0, 4, n), 0, 100)
    return pd.DataFrame({
        "name": [f"model-{i:07d}" for i in range(n)],
        "accuracy": accuracy,
        "latency_ms": rng.lognormal(3.5, 1.0, n),
        "cost_per_1k": cost,
    })


@pytest.fixture(scope="module")
def big() -> Analysis:
    return analyze(Scenario(synthetic(100_000), Workload(volume_per_day=100_000),
                            Constraints(max_latency_ms=100, monthly_budget_usd=5_000,
                                        min_accuracy=70)))


def test_100k_candidates_draw_a_sample_in_under_a_second(big: Analysis) -> None:
    charts.frontier_chart(big)  # warm: the first call imports plotext
    start = time.perf_counter()
    chart = charts.frontier_chart(big)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.2f}s"
    title = chart.split("\n")[0]
    shown = int(re.search(r"showing ([\d,]+) of 100,000", title).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 0 < shown <= 2000
    keys = key_section(chart)
    assert keys[0].split()[:2] == ["1", "@"]
    assert len(keys) <= charts.KEYED_MAX


def test_sample_keeps_the_whole_frontier(big: Analysis) -> None:
    chart = charts.frontier_chart(big, max_points=300)
    # The frontier line is drawn through every frontier member, so the cheapest and
    # the most accurate frontier points are on the chart: the axes span them.
    assert "showing" in chart.split("\n")[0]
    shown = int(re.search(r"showing ([\d,]+) of", chart).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert shown <= 300
    assert charts.frontier_chart(big, max_points=300) == chart  # no randomness


def test_sample_function_keeps_must_and_one_per_cell() -> None:
    xp = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    yp = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    feasible = np.array([True, True, False, True, True, True])
    must = np.array([False, False, False, False, False, True])
    axis = canvas.Axis(False, 0.0, 1.0, [], [])
    drawn = charts._sample(xp, yp, feasible, must, 10, (10, 10), axis, axis).tolist()
    # Rank 0 stands for rank 1 in its cell, 2 is the infeasible one there, 3 for 4.
    assert drawn == [0, 2, 3, 5]


# --------------------------------------------------------------------------- bars


def test_bars_rank_order_values_and_top_20(imagenet: Analysis) -> None:
    bars = charts.cost_per_point_bars(imagenet)
    rows = [line for line in bars.split("\n") if "┤" in line and "$" in line.split("┤")[0]]
    assert [r.split()[0] for r in rows] == [str(i) for i in range(1, 6)]
    for r, value in zip(rows, imagenet.table["cost_per_accuracy_point"]):
        from workbench.fmt import usd
        assert usd(value, 4) in r
    frame = synthetic(40)
    many = charts.cost_per_point_bars(run(frame))
    assert "top 20 of 40 by rank" in many
    assert len([line for line in many.split("\n") if "┤" in line and "$" in line.split("┤")[0]]) == 20


def test_bar_lengths_follow_values() -> None:
    a = run(table(["a", "b"], [50, 50], [1, 2]))
    bars = charts.cost_per_point_bars(a)
    lengths = {line.split()[1]: line.count("█") for line in bars.split("\n") if "█" in line}
    assert lengths["b"] == pytest.approx(2 * lengths["a"], abs=1)


# ------------------------------------------------------------------------- volume


def test_volume_chart(retail: Analysis) -> None:
    chart = charts.volume_chart(retail)
    assert "log scale" in chart
    assert "─ budget $15,000/month" in chart
    assert "│ current volume 500,000/day" in chart
    keys = key_section(chart)
    assert [k.split()[0] for k in keys] == ["1", "2", "3"]
    inside = "\n".join(canvas_lines(chart))
    for mark in "123":
        assert mark in inside


def test_volume_chart_empty_without_a_sweep() -> None:
    assert charts.volume_chart(run(table(["a"], [90], [1]))) == ""


# ------------------------------------------------------------------------- series


def test_series_chart_target_and_chosen_point() -> None:
    chart = charts.series_chart(
        [0.0, 0.1, 0.2, 0.5, 0.9], [90.0, 95.0, 97.0, 99.0, 99.6],
        title="Accuracy vs threshold", xlabel="threshold", ylabel="accuracy %",
        hline=99.5, marker_x=0.45,
    )
    assert chart.startswith(" " * 5) and "Accuracy vs threshold" in chart.split("\n")[0]
    assert "─ target 99.5" in chart
    assert "@ chosen: x 0.5, y 99" in chart  # the nearest data point, not interpolated
    assert "@" in "\n".join(canvas_lines(chart))
    assert not ANSI.search(chart)
    assert ANSI.search(charts.series_chart([0, 1], [1, 2], title="t", xlabel="x", ylabel="y",
                                           color=True))


def test_series_chart_edge_cases() -> None:
    assert charts.series_chart([], [], title="t", xlabel="x", ylabel="y") == ""
    assert "@" in charts.series_chart([1.0], [1.0], title="t", xlabel="x", ylabel="y",
                                      marker_x=1.0)
    with pytest.raises(ValueError):
        charts.series_chart([1.0, 2.0], [1.0], title="t", xlabel="x", ylabel="y")


def test_every_tick_mark_has_its_label(retail: Analysis, imagenet: Analysis) -> None:
    for a in (retail, imagenet):
        for chart in (charts.frontier_chart(a), charts.frontier_chart(a, width=44, height=12),
                      charts.cost_per_point_bars(a), charts.volume_chart(a)):
            lines = chart.split("\n")
            bottom = max(i for i, line in enumerate(lines) if "┘" in line)
            below = lines[bottom + 1].ljust(len(lines[bottom]))
            # "┴" is a tick where a vertical limit line meets the axis, or a limit alone.
            ticks = [j for j, ch in enumerate(lines[bottom]) if ch in "┬┴"]
            assert all(below[j - 1:j + 2].strip() for j, ch in enumerate(lines[bottom])
                       if ch == "┬"), chart
            assert len(below.split()) <= len(ticks), chart


def test_same_output_under_another_hash_seed(imagenet: Analysis) -> None:
    """plotext orders ticks and points through sets; nothing of that may leak out."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path\n"
        "from workbench.inputs import session_from_table\n"
        "from workbench.analysis import analyze\n"
        "from workbench.model import Constraints, Workload\n"
        "from workbench.views import charts\n"
        f"s, _ = session_from_table(Path({str(ROOT / 'sample_data' / 'imagenet_5.csv')!r}))\n"
        "a = analyze(s.with_scenario(workload=Workload(volume_per_day=8_000_000),"
        " constraints=Constraints(monthly_budget_usd=100, min_accuracy=76)).scenario)\n"
        "sys.stdout.write(charts.frontier_chart(a) + charts.cost_per_point_bars(a)"
        " + charts.volume_chart(a))\n"
    )
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, encoding="utf-8").stdout
    here = (charts.frontier_chart(imagenet) + charts.cost_per_point_bars(imagenet)
            + charts.volume_chart(imagenet))
    assert out == here


def test_importing_charts_does_not_import_plotext() -> None:
    import subprocess
    import sys

    code = ("import sys, workbench.views.charts, workbench.views.memo\n"
            "print('plotext' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
