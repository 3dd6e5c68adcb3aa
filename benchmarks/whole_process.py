"""Whole-process timing with the standard library only, for the benchmarks' targets.

A command runs as a child process; its wall time is a monotonic clock read around it,
start-up and exit included; its peak memory is the operating system's accounting of
the finished child (`os.wait4`, ru_maxrss). A comparison runs A and B in turn
(A B A B ...), so a machine that slows down during the run slows both, after one
warm-up run of each (file cache, bytecode). Medians are reported.
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figures:
    wall_s: float  # median
    peak_mib: float  # median


def run_once(argv: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one run of `argv` as a child process;
    exits with its error output when it fails."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({child.returncode}): {err.strip()}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def _median(runs: list[tuple[float, float]]) -> Figures:
    return Figures(statistics.median(w for w, _ in runs), statistics.median(m for _, m in runs))


def measure(argv: list[str], repeat: int, cwd: Path | None = None) -> Figures:
    """Medians of `repeat` runs after one warm-up run."""
    run_once(argv, cwd)
    return _median([run_once(argv, cwd) for _ in range(repeat)])


def compare(a: list[str], b: list[str], repeat: int, cwd: Path | None = None
            ) -> tuple[Figures, Figures]:
    """Medians of A and of B, run in turn after one warm-up run of each."""
    run_once(a, cwd), run_once(b, cwd)
    runs: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    for _ in range(repeat):
        runs["A"].append(run_once(a, cwd))
        runs["B"].append(run_once(b, cwd))
    return _median(runs["A"]), _median(runs["B"])


def print_comparison(label: str, a: list[str], b: list[str], fa: Figures, fb: Figures) -> None:
    print(f"\n{label}")
    print(f"  A: {shlex.join(a)}")
    print(f"  B: {shlex.join(b)}")
    print(f"  {'':4} {'wall s (median)':>16} {'peak MiB (median)':>18}")
    for k, f in (("A", fa), ("B", fb)):
        print(f"  {k:4} {f.wall_s:>16.2f} {f.peak_mib:>18.0f}")
    print(f"  {'A/B':4} {fa.wall_s / fb.wall_s:>16.2f} {fa.peak_mib / fb.peak_mib:>18.2f}")
