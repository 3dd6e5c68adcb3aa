"""End to end: the real `workbench` command in a real terminal (tmux) at 80x24."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (CI installs it: see .ci/run)"
)


class Tmux:
    """One private tmux server (its own socket), so a user's sessions are never touched."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"wbtest-{os.getpid()}-{time.monotonic_ns()}"
        self.session = "wb"

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                             capture_output=True, text=True, timeout=10)
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10, check=False)


def test_workbench_starts_switches_panes_and_quits_cleanly(tmp_path: Path) -> None:
    tmux = Tmux(tmp_path)
    command = (
        f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m workbench; "
        "echo WORKBENCH-EXIT=$?; sleep 60"
    )
    env_term = {"TERM": "xterm-256color"}
    try:
        tmux.run("new-session", "-d", "-s", tmux.session, "-x", "80", "-y", "24",
                 "-e", f"TERM={env_term['TERM']}", command)
        tmux.wait_for("1 Candidates")  # the first frame; the sample is read after it
        screen = tmux.wait_for("MobileNet-SSD edge (on-device)")
        assert "$1,500/mo" in screen  # the status line
        tmux.keys("3")
        tmux.wait_for("Accuracy % vs monthly cost")
        tmux.keys("4")
        tmux.wait_for("Recommendation: MobileNet-SSD edge")
        tmux.keys("q")
        screen = tmux.wait_for("WORKBENCH-EXIT=")
        assert "WORKBENCH-EXIT=0" in screen
        assert "Traceback" not in screen
    finally:
        tmux.kill()


def test_workbench_bad_path_exits_2_without_starting(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "workbench", str(tmp_path / "nope.csv")],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("workbench: error: ")
    assert "no such file" in result.stderr
