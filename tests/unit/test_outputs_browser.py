"""The HTML report in a real browser: headless Chromium (Debian's `chromium`, installed
by .ci/run) opens the file offline and draws the plots; hostile names stay text.

Offline for real: a fresh profile, no background networking, and a host resolver that
resolves nothing, so any request to another host would fail (and the page's CSP
forbids it anyway). Two checks of "the plot is there": the DOM after the scripts ran
holds Plotly's SVG with one point per candidate, and the screenshot holds the frontier's
colour, which only a drawn plot puts on the page.

Chromium is a system package, not a Python one: off CI a missing browser skips these
tests; on CI (WORKBENCH_CI=1) it fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require

require("plotly", "report")
PIL = require("PIL", "images")

from workbench.evaluation import evaluate  # noqa: E402
from workbench.session import load_session  # noqa: E402
from workbench.views.report_html import COLOURS, render_html  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         # No network: every host name resolves to nothing.
         "--host-resolver-rules=MAP * ~NOTFOUND"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("WORKBENCH_CI"):
        raise RuntimeError("chromium is missing although WORKBENCH_CI is set: .ci/run "
                           "installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def run(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True, timeout=120, check=False, cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result


def write_report(tmp_path: Path, name: str = "retail_checkout") -> tuple[Path, int]:
    path = ROOT / "sessions" / f"{name}.toml"
    session, notes = load_session(path)
    e = evaluate(session, path.parent)
    page = tmp_path / "report.html"
    page.write_text(render_html(e, path, notes=notes), encoding="utf-8")
    return page, len(e.analysis.table)


def test_the_report_renders_offline(tmp_path: Path) -> None:
    page, n = write_report(tmp_path)
    dom = run(tmp_path, page, "--virtual-time-budget=15000", "--dump-dom").stdout.decode()
    # Plotly drew every chart: each div holds its SVG.
    for key in ("frontier", "cost_per_point", "volume", "matrix", "tornado"):
        start = dom.index(f'id="{key}"')
        assert 'class="main-svg"' in dom[start:start + 5000], key
    frontier = dom[dom.index('id="frontier"'):dom.index('id="figure-cost_per_point"')]
    # Retail's 3 candidates are all on the frontier: 3 diamonds, and the pick's star.
    assert n == 3
    assert len(re.findall(r'class="point"', frontier)) == 3 + 1
    assert "Frontier (cheapest first)" in frontier
    assert "Recommended: MobileNet-SSD edge (on-device)" in frontier

    shot = tmp_path / "shot.png"
    run(tmp_path, page, "--window-size=1200,1100", "--virtual-time-budget=15000",
        f"--screenshot={shot}")
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    width, height = image.size
    pixels = image.load()

    def near(colour: str, tolerance: int = 40) -> int:
        r, g, b = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
        return sum(
            1 for y in range(0, height, 2) for x in range(0, width, 2)
            if abs(pixels[x, y][0] - r) + abs(pixels[x, y][1] - g) + abs(pixels[x, y][2] - b)
            < tolerance)

    # The frontier line and diamonds (vermillion) and the budget line (green) are drawn
    # only by Plotly: a blank or failed plot leaves none of these pixels.
    assert near(COLOURS["frontier"]) > 150
    assert near(COLOURS["budget"]) > 30
    not_white = sum(1 for y in range(height // 3, height, 3) for x in range(0, width, 3)
                    if sum(pixels[x, y]) < 700)
    assert not_white > 2000


def test_hostile_names_stay_text_in_the_browser(tmp_path: Path) -> None:
    import pandas as pd

    from workbench.model import Constraints, Decision, Scenario, Session, Workload

    hostile = "<img src=x onerror=alert(1)>"
    frame = pd.DataFrame({
        "name": [hostile, "a</script><script>alert(2)</script>", "plain", "other"],
        "accuracy": [91.0, 90.0, 85.0, 80.0], "latency_ms": [30.0, 20.0, 10.0, 5.0],
        "cost_per_1k": [1.0, 0.9, 0.05, 0.02]})
    e = evaluate(Session(
        scenario=Scenario(frame, Workload(volume_per_day=1000), Constraints(min_accuracy=81)),
        title=f"Title {hostile}", decision=Decision(chosen=hostile)))
    page = tmp_path / "hostile.html"
    page.write_text(render_html(e), encoding="utf-8")
    dom = run(tmp_path, page, "--virtual-time-budget=15000", "--dump-dom").stdout.decode()
    outside_scripts = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)
    assert "<img" not in outside_scripts
    # Drawn by Plotly as SVG text (a tick label of the bar chart), escaped by the DOM.
    assert re.search(r"<text[^>]*>[^<]*&lt;img src=x onerror=alert\(1\)&gt;", outside_scripts)
    assert 'class="main-svg"' in outside_scripts
