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


def cost_bars(analysis: Any) -> Draw:
    from workbench.views.charts import cost_per_point_bars

    return lambda w, h: cost_per_point_bars(analysis, w, h, color=True)


def volume(analysis: Any) -> Draw:
    from workbench.views.charts import volume_chart

    def draw(w: int, h: int | None) -> str:
        chart = volume_chart(analysis, w, h or 14, color=True)
        return chart or "Set a volume per day (pane 2) to see costs by volume."

    return draw
