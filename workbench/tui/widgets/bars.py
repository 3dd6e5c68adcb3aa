"""Text bars for table cells (eighth blocks: one cell holds 8 steps)."""

from __future__ import annotations

import math

from rich.text import Text

_EIGHTHS = " ▏▎▍▌▋▊▉"
# One ANSI colour per criterion: ANSI names survive 16-colour terminals intact.
CRITERION_COLORS = ("cyan", "magenta", "yellow", "green", "blue", "red", "bright_cyan",
                    "bright_magenta")


def bar(fraction: float, width: int) -> str:
    """A left-aligned bar filling `fraction` (0..1) of `width` cells."""
    if width <= 0 or not math.isfinite(fraction) or fraction <= 0:
        return " " * max(width, 0)
    steps = round(min(fraction, 1.0) * width * 8)
    full, part = divmod(steps, 8)
    out = "█" * full + (_EIGHTHS[part] if part else "")
    return out.ljust(width)


def stacked_bar(parts: list[tuple[float, str]], width: int) -> Text:
    """Segments (fraction of the full width, style) laid end to end."""
    text = Text()
    used = 0
    total = 0.0
    for fraction, style in parts:
        if not math.isfinite(fraction) or fraction <= 0:
            continue
        total += fraction
        cells = min(round(total * width), width) - used
        if cells > 0:
            text.append("█" * cells, style=style)
            used += cells
    if used < width:
        text.append(" " * (width - used))
    return text


def criterion_color(i: int) -> str:
    return CRITERION_COLORS[i % len(CRITERION_COLORS)]
