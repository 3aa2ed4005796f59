"""The pictures in a real browser: headless Chromium renders the doctor report and model graphs.

Asserted on the rendered page, not on the HTML text: every chart present with
data points drawn, no script error in the console, no request but the file
itself (the pages work offline), and in the graphs every edge drawn with a path
that never passes under another node's box, and every label inside its box.
Skips, saying why, where Chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from browser_support import Browser, find_chromium

pytest.importorskip("torch")
pytest.importorskip("networkx")

CHROMIUM = find_chromium()
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium): the browser tests need it", allow_module_level=True)

from nnlint.pictures.charts import CHARTS  # noqa: E402
from nnlint.trace import trace  # noqa: E402
from nnlint.trace.export import write_graph  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Run in the page: what is wrong with the drawing (edges under other boxes, text outside its box, boxes overlapping).
GEOMETRY = """(function () {
  var boxes = Array.from(document.querySelectorAll("g.node")).map(function (group) {
    var r = group.querySelector("rect");
    return { id: group.dataset.id, group: group, x: +r.getAttribute("x"), y: +r.getAttribute("y"),
             w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  });
  var problems = [];
  document.querySelectorAll("path.edge").forEach(function (path) {
    var length = path.getTotalLength(), from = path.dataset.source, to = path.dataset.target;
    for (var d = 0; d <= length; d += 2) {
      var p = path.getPointAtLength(d);
      boxes.forEach(function (b) {
        if (b.id !== from && b.id !== to && p.x > b.x + 1 && p.x < b.x + b.w - 1 && p.y > b.y + 1 && p.y < b.y + b.h - 1) {
          problems.push(from + " -> " + to + " passes under " + b.id);
        }
      });
    }
  });
  boxes.forEach(function (b, i) {
    b.group.querySelectorAll("text").forEach(function (text) {
      var t = text.getBBox();
      if (text.textContent && (t.x < b.x || t.x + t.width > b.x + b.w || t.y < b.y || t.y + t.height > b.y + b.h)) { problems.push("text overflows " + b.id); }
    });
    boxes.slice(i + 1).forEach(function (o) {
      if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h) { problems.push(b.id + " overlaps " + o.id); }
    });
  });
  return Array.from(new Set(problems));
}())"""

COUNTS = "[document.querySelectorAll('g.node').length, document.querySelectorAll('path.edge').length]"


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM, width=1400, height=1000) as opened:
        yield opened


def model(file: str, name: str):
    spec = importlib.util.spec_from_file_location(f"browser_{name}", ROOT / "fixtures" / "models" / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def gpt2():
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    config = transformers.GPT2Config(n_layer=3, n_embd=64, n_head=4, vocab_size=100, n_positions=64, bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config)


def lstm():
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(100, 32)
            self.lstm = nn.LSTM(32, 48, num_layers=2, batch_first=True)
            self.head = nn.Linear(48, 5)

        def forward(self, tokens):
            out, (h, c) = self.lstm(self.embed(tokens))
            return self.head(out) + self.head(h[-1]).unsqueeze(1)

    return Tagger()


def draw(browser: Browser, tmp_path: Path, factory, inputs: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = trace(factory, inputs).graph
    page = tmp_path / "graph.html"
    write_graph(graph, str(page), title="model")
    browser.open(page)
    return graph


def assert_clean(browser: Browser, page: Path) -> None:
    assert browser.errors() == []
    assert browser.requests() == [page.resolve().as_uri()]


@pytest.mark.parametrize(("factory", "inputs"), [
    (lambda: model("small_resnet.py", "SmallResNet")(), "B,3,32,32"),
    (lambda: model("small_resnet.py", "resnet50_depth")(), "B,3,32,32"),
    (gpt2, "B,T:long"),
    (lstm, "B,T:long"),
], ids=["resnet", "resnet50-depth", "gpt2-blocks", "lstm"])
def test_every_edge_is_drawn_around_the_boxes_expanded_and_collapsed(browser, tmp_path, factory, inputs) -> None:
    graph = draw(browser, tmp_path, factory, inputs)
    assert_clean(browser, tmp_path / "graph.html")
    browser.evaluate("nnlintGraph.expandAll()")
    assert browser.evaluate(COUNTS) == [len(graph), graph.number_of_edges()]
    assert browser.evaluate(GEOMETRY) == []
    browser.evaluate("nnlintGraph.collapseBlocks()")
    nodes, edges = browser.evaluate(COUNTS)
    assert 0 < nodes <= len(graph) and edges > 0
    assert browser.evaluate(GEOMETRY) == []
    assert browser.errors() == []


def test_a_resnet_shows_its_skip_connections_and_blocks_open_and_close(browser, tmp_path) -> None:
    graph = draw(browser, tmp_path, model("small_resnet.py", "SmallResNet"), "B,3,32,32")
    skip = browser.evaluate("document.querySelector('path.edge[data-source=\"stem_2\"][data-target=\"add\"]').getAttribute('d')")
    assert skip.count("L") >= 2  # routed through its own lane, not one straight line under the block
    browser.evaluate("nnlintGraph.collapseBlocks()")
    assert browser.evaluate("document.querySelectorAll('g.node.collapsed').length") == 4  # the four Bottlenecks
    browser.evaluate("document.querySelector('g.node.collapsed').dispatchEvent(new MouseEvent('click'))")
    assert browser.evaluate("document.querySelectorAll('g.node.collapsed').length") == 3
    browser.evaluate("nnlintGraph.reveal('layer2_1_conv1')")
    assert browser.evaluate("document.getElementById('node-layer2_1_conv1').classList.contains('focus')")
    convolutions = sum(1 for _, data in graph.nodes(data=True) if data["kind"] == "conv")  # the downsample's too
    assert browser.evaluate("nnlintGraph.search('conv')") == f"{convolutions} matches"
    assert browser.evaluate("nnlintGraph.search('small_resnet')") == "0 matches"  # the file path is not searched
    browser.screenshot(tmp_path / "graph.png", 1200, 900)
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert browser.errors() == []


def test_findings_are_outlined_and_their_links_lead_to_the_node(browser, tmp_path) -> None:
    draw(browser, tmp_path, model("dims_view.py", "HeadsMergedWithoutTranspose"), "B,T,64")
    links = browser.evaluate("Array.from(document.querySelectorAll('#findings a')).map(a => a.textContent)")
    assert links and links[0].startswith("NT101 at ")
    browser.evaluate("document.querySelector('#findings a').click()")
    assert browser.evaluate("document.querySelector('g.node.focus').classList.contains('flagged')")
    assert browser.errors() == []


def test_the_doctor_report_renders_every_chart_with_data(browser, tmp_path) -> None:
    pytest.importorskip("plotly")
    page = tmp_path / "doctor.html"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", "import sys; from nnlint.cli import main; sys.exit(main())", "doctor", "--quiet",
                           "--steps", "4", "--report", str(page), str(ROOT / "fixtures" / "doctor" / "vanishing_gradient_bug.py")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 1, done.stderr
    browser.open(page)
    assert_clean(browser, page)
    charts = browser.evaluate("""Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (plot) {
        var points = plot.data.reduce(function (n, trace) { return n + (trace.y || []).filter(function (v) { return v !== null; }).length; }, 0);
        return [plot.id, points, plot.querySelectorAll('.scatterlayer .point, .barlayer .point').length]; })""")
    assert [chart for chart, _, _ in charts] == [f"chart-{chart}" for chart in CHARTS]
    for chart, points, drawn in charts:
        assert points > 0 and drawn > 0, chart
    flow = browser.evaluate("document.getElementById('gradient-flow').innerText")
    assert "ND144" in flow
    browser.screenshot(tmp_path / "doctor.png", 1100, 900)
    assert (tmp_path / "doctor.png").stat().st_size > 10_000
    assert browser.errors() == []
