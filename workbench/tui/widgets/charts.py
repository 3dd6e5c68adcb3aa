"""Draw functions for ChartPanel from `workbench.views.charts` (imported on first use).

plotext is only needed once a chart pane is opened, so nothing here imports it (or
`workbench.views.charts`) at module level.
"""

from __future__ import annotations

from typing import Any

from workbench.tui.widgets.chart import Draw


def frontier(analysis: Any) -> Draw:
    from workbench.views.charts import frontier_chart

    return lambda w, h: frontier_chart(analysis, w, h or 20, color=True)


def cost_bars(analysis: Any, order: str = "rank") -> Draw:
    from workbench.views.charts import cost_per_point_bars

    return lambda w, h: cost_per_point_bars(analysis, w, h, color=True, order=order)


def volume(analysis: Any, names: list[str] | None = None) -> Draw:
    from workbench.views.charts import volume_chart

    def draw(w: int, h: int | None) -> str:
        chart = volume_chart(analysis, w, h or 14, color=True, names=names)
        if chart:
            return chart
        if analysis.volume_sweep is None:
            return "Set a volume per day (pane 2) to see costs by volume."
        return "No line chosen: p chooses the candidates to draw."

    return draw


def tornado(bars: Any) -> Draw:
    from workbench.views.charts import tornado_chart

    return lambda w, h: tornado_chart(bars, width=max(w, 40))
