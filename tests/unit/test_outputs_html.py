"""The interactive HTML report (workbench.views.report_html): self-contained (no request
to another host), the charts' data against the engine, hostile names escaped in every
string Plotly renders, deterministic output, and `workbench report --html`.

The page is read back the way a browser gets it: the figures are parsed out of the
`Plotly.newPlot(...)` calls in the HTML, not taken from the Python objects.
"""

from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import require

require("plotly", "report")

from workbench.cli.main import main  # noqa: E402
from workbench.errors import InputError  # noqa: E402
from workbench.evaluation import Evaluation, evaluate  # noqa: E402
from workbench.model import Constraints, Decision, Scenario, Session, Workload  # noqa: E402
from workbench.session import load_session  # noqa: E402
from workbench.views.report_html import render_html  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "sessions").glob("*.toml"))
HOSTILE = "<img src=x onerror=alert(1)>"
CLOSER = "a</script><script>alert(2)</script>"


def evaluated(path: Path) -> Evaluation:
    session, _ = load_session(path)
    return evaluate(session, path.parent)


_CACHE: dict[Path, tuple[Evaluation, str]] = {}


def report(path: Path) -> tuple[Evaluation, str]:
    if path not in _CACHE:
        e = evaluated(path)
        _CACHE[path] = (e, render_html(e, path))
    return _CACHE[path]


def plotly_calls(page: str) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """{div id: (data, layout)} of every Plotly.newPlot call in the page."""
    decoder = json.JSONDecoder()
    out = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', page):
        data, end = decoder.raw_decode(page, match.end())
        rest = re.match(r"\s*,\s*", page[end:])
        assert rest
        layout, _ = decoder.raw_decode(page, end + rest.end())
        out[match.group(1)] = (data, layout)
    return out


class Markup(HTMLParser):
    """Tags, URL-bearing attributes and the text outside scripts of a page."""

    URL_ATTRS = {"src", "href", "action", "formaction", "srcset", "poster", "data",
                 "xlink:href", "background", "cite", "longdesc", "manifest", "ping"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, int] = {}
        self.urls: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.meta: list[dict[str, str | None]] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name in self.URL_ATTRS:
                self.urls.append((tag, name, value or ""))
            if name == "style":
                self.styles.append(value or "")
        if tag == "meta":
            self.meta.append(dict(attrs))
        if tag not in ("meta", "br", "img", "link", "input", "hr"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "script":
            return
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
            return
        self.text.append(data)


def markup(page: str) -> Markup:
    parser = Markup()
    parser.feed(page)
    parser.close()
    return parser


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# ---------------------------------------------------------------- self-contained


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_src_or_href_to_another_host(path: Path) -> None:
    _, page = report(path)
    doc = markup(page)
    for tag, attr, value in doc.urls:
        # Only in-page anchors: no http(s), no protocol-relative //host, no file paths.
        assert value.startswith("#"), (tag, attr, value)
    assert "link" not in doc.tags and "iframe" not in doc.tags and "img" not in doc.tags
    for style in doc.styles:
        assert "url(" not in style and "@import" not in style
    # plotly.js is inlined, once, from the installed package: no CDN.
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()) == 1
    assert "cdn.plot.ly" not in page.replace(get_plotlyjs(), "")
    # The browser may not fetch anything at all (CSP default-src 'none').
    csp = [m["content"] for m in doc.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none';")
    assert "connect-src" not in csp[0] and "http" not in csp[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_frontier_trace_names_equal_the_analysis_frontier(path: Path) -> None:
    e, page = report(path)
    data, _ = plotly_calls(page)["frontier"]
    (front,) = [t for t in data if t["name"] == "Frontier (cheapest first)"]
    assert [html.unescape(n) for n in front["text"]] == e.analysis.frontier
    assert front["mode"] == "lines+markers"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_charts_present_match_the_evaluation(path: Path) -> None:
    e, page = report(path)
    keys = list(plotly_calls(page))
    expected = ["frontier", "cost_per_point", "volume", "matrix"]
    if e.routing is not None:
        expected.append("routing")
    if e.robustness is not None and e.robustness.tornado:
        expected.append("tornado")
    assert keys == expected
    # The memo follows the charts, its sections one level down.
    assert '<section id="memo"><h2>Decision memo</h2>' in page
    assert "<h3>Recommendation</h3>" in page and "<h3>Assumptions and method</h3>" in page


def test_retail_frontier_hover_shows_every_figure() -> None:
    e, page = report(ROOT / "sessions" / "retail_checkout.toml")
    data, layout = plotly_calls(page)["frontier"]
    (pick,) = [t for t in data if t["name"].startswith("Recommended: ")]
    assert pick["name"] == "Recommended: MobileNet-SSD edge (on-device)"
    hover = pick["hovertext"][0].split("<br>")
    # Retail by hand: $0.10 per 1k x 500,000/day x 30 days = $1,500/month; the budget
    # covers $15,000 / ($0.10 / 1,000 x 30) = 5,000,000/day.
    assert hover == [
        "<b>MobileNet-SSD edge (on-device)</b>", "Rank 1 · recommended · on the frontier",
        "Monthly cost: $1,500", "Cost per 1k: $0.1000", "Accuracy: 90.00%", "Latency: 20 ms",
        "Score: 0.550", "Cost per 1% accuracy: $0.00111 per 1k",
        "Cost per 1k correct: $0.1111", "Max volume in budget: 5,000,000/day",
        "maintainability: 3",
        "notes: Runs on the checkout terminal but fleet updates add upkeep",
        "Feasible: meets every constraint"]
    (front,) = [t for t in data if t["name"] == "Frontier (cheapest first)"]
    vit = front["hovertext"][2].split("<br>")
    assert vit[-1] == ("Infeasible: latency 500 ms &gt; limit 200 ms; monthly cost $300,000 "
                       "&gt; budget $15,000")
    # Costs span $1,500 .. $300,000 (200x): a log axis.
    assert layout["xaxis"]["type"] == "log"
    (budget,) = [t for t in data if t["name"] == "Budget $15,000/month"]
    assert budget["x"] == [15000, 15000] and budget["line"]["dash"] == "dash"
    assert front["x"] == [1500, 75000, 300000] and front["y"] == [90, 95, 98]


def small(costs: list[float], names: list[str] | None = None, **constraints: float) -> Evaluation:
    names = names or [f"m{i}" for i in range(len(costs))]
    frame = pd.DataFrame({
        "name": names, "accuracy": [80.0 + 3 * i for i in range(len(costs))],
        "latency_ms": [10.0 + i for i in range(len(costs))], "cost_per_1k": costs})
    return evaluate(Session(scenario=Scenario(frame, Workload(volume_per_day=1000),
                                              Constraints(**constraints))))


@pytest.mark.parametrize("costs,axis", [([1.0, 2.0, 5.0], "linear"), ([1.0, 10.0], "linear"),
                                        ([1.0, 10.5], "log"), ([0.5, 2.0, 60.0], "log")])
def test_log_cost_axis_only_when_costs_span_more_than_10x(costs: list[float], axis: str) -> None:
    _, layout = plotly_calls(render_html(small(costs)))["frontier"]
    assert layout["xaxis"].get("type", "linear") == axis


def test_feasible_infeasible_frontier_and_pick_are_told_apart() -> None:
    # m0 $30/month 80%, m1 $60 83%, m2 $3 86% (dominates both), m3 $90 89% (over budget).
    e = small([1.0, 2.0, 0.1, 3.0], min_accuracy=81, monthly_budget_usd=80)
    data, _ = plotly_calls(render_html(e))["frontier"]
    by_name = {t["name"]: t for t in data}
    assert set(by_name) == {"Infeasible (breaks a constraint)", "Feasible",
                            "Frontier (cheapest first)", "Recommended: m2",
                            "Budget $80.00/month", "Minimum accuracy 81.00%"}
    assert by_name["Infeasible (breaks a constraint)"]["text"] == ["m0"]
    assert by_name["Infeasible (breaks a constraint)"]["marker"]["symbol"] == "x"
    assert by_name["Feasible"]["text"] == ["m1"]
    assert by_name["Feasible"]["marker"]["symbol"] == "circle"
    assert by_name["Frontier (cheapest first)"]["text"] == ["m2", "m3"] == e.analysis.frontier
    # m3 is on the frontier but over budget: an open diamond.
    assert by_name["Frontier (cheapest first)"]["marker"]["symbol"] == ["diamond", "diamond-open"]
    assert by_name["Recommended: m2"]["marker"]["symbol"] == "star"
    assert by_name["Minimum accuracy 81.00%"]["y"] == [81, 81]


# ------------------------------------------------------------------------ hostile


def hostile() -> Evaluation:
    frame = pd.DataFrame({
        "name": [HOSTILE, CLOSER, "&amp; <b>bold</b>", "plain"],
        "accuracy": [91.0, 90.0, 85.0, 80.0], "latency_ms": [30.0, 20.0, 10.0, 5.0],
        "cost_per_1k": [1.0, 0.9, 0.05, 0.02], "vendor": [HOSTILE] * 4})
    return evaluate(Session(
        scenario=Scenario(frame, Workload(volume_per_day=1000),
                          Constraints(min_accuracy=81, monthly_budget_usd=28)),
        title="Hostile <script>alert(3)</script>", notes="<img src=y onerror=alert(4)>",
        decision=Decision(chosen=HOSTILE, rationale="<i>x</i> [link](javascript:alert(5))")))


def test_hostile_names_are_text_everywhere() -> None:
    e = hostile()
    page = render_html(e)
    doc = markup(page)
    # No element came from a name: no img, and only our own scripts (config, plotly.js,
    # one per chart).
    assert "img" not in doc.tags and "i" not in doc.tags and "a" in doc.tags
    calls = plotly_calls(page)
    assert doc.tags["script"] == 2 + len(calls)
    assert all(url.startswith("#") for _, _, url in doc.urls)  # the [link] is text
    text = "".join(doc.text)
    assert HOSTILE in text and CLOSER in text and "Hostile <script>alert(3)</script>" in text
    # Plotly reads its strings as HTML: the only tags in them are the report's own
    # (bold, line breaks, and <extra></extra>, which hides the trace name in a hover).
    for key, (data, layout) in calls.items():
        for s in strings(data) + strings(layout):
            assert not re.search(r"<(?!/?b>|br>|/?extra>)", s), (key, s)
    data, _ = calls["frontier"]
    names = [html.unescape(n) for t in data for n in t.get("text") or [] if isinstance(n, str)]
    assert HOSTILE in names and CLOSER in names and "&amp; <b>bold</b>" in names
    hover = [h for t in data for h in t.get("hovertext") or []]
    assert any("vendor: &lt;img src=x onerror=alert(1)&gt;" in h for h in hover)


def test_output_is_deterministic() -> None:
    path = ROOT / "sessions" / "fraud_routing.toml"
    first = render_html(evaluated(path), path)
    second = render_html(evaluated(path), path)
    assert first == second
    assert list(plotly_calls(first)) == ["frontier", "cost_per_point", "volume", "matrix",
                                         "routing", "tornado"]


# ---------------------------------------------------------------------------- CLI


def test_cli_html_writes_the_report_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "sessions" / "retail_checkout.toml"
    target = tmp_path / "report.html"
    assert main(["report", str(path), "--html", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # the memo goes to stdout only when no file was asked for
    assert "report written to" in captured.err
    assert target.read_text(encoding="utf-8") == render_html(evaluated(path), path,
                                                             notes=load_session(path)[1])
    assert main(["report", str(path), "--html", str(target)]) == 0
    assert (tmp_path / "report.html.bak").exists()


def test_cli_html_never_overwrites_an_input(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    session = tmp_path / "s.toml"
    session.write_bytes((ROOT / "sessions" / "retail_checkout.toml").read_bytes())
    before = session.read_bytes()
    assert main(["report", str(session), "--html", str(session)]) == 2
    assert "--html would overwrite the input" in capsys.readouterr().err
    assert session.read_bytes() == before
    # Two outputs onto one file are refused too.
    assert main(["report", str(session), "--html", str(tmp_path / "x"), "-o",
                 str(tmp_path / "x")]) == 2


def test_missing_plotly_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)
    path = ROOT / "sessions" / "retail_checkout.toml"
    with pytest.raises(InputError, match=r"pip install 'workbench\[report\]'"):
        render_html(evaluated(path), path)
    assert main(["report", str(path), "--html", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "pip install 'workbench[report]'" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
