"""A hostile decision record, shared by the terminal-safety tests (tests/unit, tests/ui).

Every string a file can carry into a view tries to drive the terminal: candidate names,
an extra numeric column (a limit and a criterion), an extra text column, the title, the
notes, the decision, the what-if baseline, and the routing models and log columns. Each
holds every C0 control (0x00-0x1f), DEL, every C1 control (0x80-0x9f), a bidi override
(U+202E), a bidi isolate (U+2066) and a zero-width space (U+200B). ESC sequences come
first, so the visible escape is on screen even where a long name is cut. The session is
written as TOML (which spells the controls as \\u escapes) and the replay log as CSV
(raw bytes; quoted headers may hold line breaks).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.model import (
    Constraints,
    Criterion,
    Decision,
    Scenario,
    Scoring,
    Session,
    WhatIf,
    Workload,
)
from workbench.session import save_session

C0 = "".join(map(chr, range(0x20)))
DEL = "\x7f"
C1 = "".join(map(chr, range(0x80, 0xA0)))
INVISIBLE = "\u202e\u2066\u200b"
CONTROLS = C0 + DEL + C1 + INVISIBLE

NAME = "evil\x1b]0;pwned\x07\x1b[2J" + CONTROLS + "[b]x[/b]"  # the cheapest, the pick
# Markup alone (no controls, no spaces): short enough to be shown whole in a table cell
# of 30, so "literally" is checkable. Read as markup they would show as "xq" and "l".
MARKUP = "[b]x[/b][@click=app.quit]q[/]"
LINK = "[link=http://evil]l[/link]"
OTHER = "slow\u202e\x1b[5m" + CONTROLS  # breaks the latency and the column limit
LIMIT_COL = "gpu\x1b[31m" + CONTROLS  # numeric: a limit and a criterion
TEXT_COL = "licence\x1b[7m" + CONTROLS  # text
# Replay-log columns of the routing settings: a column name with a control character is
# an input error (it would reach SQL), so these hold only what a name may: invisible
# format characters and markup.
FLAG_COL = "flag" + INVISIBLE + "[b]f[/b]"
LOSS_COL = "amount" + INVISIBLE + "[@click=app.quit]a[/]"
TITLE = "T\x1b]0;title\x07" + CONTROLS + MARKUP
NOTES = "N\x1b[2J" + CONTROLS + "\nsecond line"
RATIONALE = "R\x1b[2J" + CONTROLS

# What no text for a terminal may hold: C0 other than tab and line feed (which a view
# itself writes), DEL, C1, and the invisible characters above.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e\u2066\u200b]")


def raw_controls(text: str) -> list[str]:
    """The forbidden characters in `text`, as code points (empty when safe)."""
    return sorted({f"U+{ord(c):04X}" for c in RAW.findall(text)})


def hostile_session() -> Session:
    frame = pd.DataFrame({
        "name": [NAME, MARKUP, LINK, OTHER],
        "accuracy": [95.0, 93.0, 90.0, 85.0],
        "latency_ms": [20.0, 25.0, 30.0, 500.0],
        "cost_per_1k": [0.5, 0.8, 1.0, 2.0],
        LIMIT_COL: [1.0, 2.0, 3.0, 9.0],
        TEXT_COL: ["MIT" + CONTROLS, "Apache", "BSD", "GPL"],
    })
    return Session(
        scenario=Scenario(
            frame,
            Workload(volume_per_day=1000),
            Constraints(max_latency_ms=100, max={LIMIT_COL: 5.0}),
            Scoring(criteria=(Criterion("accuracy", "max", 2.0),
                              Criterion("monthly_cost_usd", "min", 1.0),
                              Criterion(LIMIT_COL, "min", 1.0))),
            WhatIf(baseline=OTHER, error_cost_usd=1.0),
        ),
        title=TITLE,
        notes=NOTES,
        decision=Decision(chosen=NAME, rationale=RATIONALE, decided_by="by" + CONTROLS),
        routing={"log": "log.csv", "cheap_model": NAME, "expensive_model": LINK,
                 "target_accuracy": 90.0, "escalate_when": [FLAG_COL], "loss_column": LOSS_COL},
    )


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def write_log(folder: Path) -> Path:
    """A 400-row replay log whose forced-rule and loss columns have hostile headers."""
    rng = np.random.default_rng(1)
    n = 400
    y = rng.random(n) < 0.1
    cheap = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    expensive = np.clip(np.where(y, 0.9, 0.1) + rng.normal(0, 0.1, n), 0, 1)
    flag = rng.random(n) < 0.05
    amount = rng.exponential(300, n).round(2)
    lines = [",".join(["label", "cheap_score", "expensive_score", _quoted(FLAG_COL), _quoted(LOSS_COL)])]
    lines += [f"{int(a)},{b:.6f},{c:.6f},{int(d)},{e}"
              for a, b, c, d, e in zip(y, cheap, expensive, flag, amount)]
    path = folder / "log.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_table(folder: Path) -> Path:
    """The candidates as a CSV table: raw bytes, quoted (so line breaks fit in a cell)."""
    frame = hostile_session().scenario.candidates
    lines = [",".join(_quoted(str(c)) for c in frame.columns)]
    lines += [",".join(_quoted(str(v)) for v in row) for row in frame.itertuples(index=False)]
    path = folder / "candidates.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_session(folder: Path, name: str = "hostile.toml", session: Session | None = None) -> Path:
    """The hostile session saved as TOML next to its replay log."""
    folder.mkdir(parents=True, exist_ok=True)
    write_log(folder)
    path = folder / name
    save_session(session if session is not None else hostile_session(), path)
    return path
