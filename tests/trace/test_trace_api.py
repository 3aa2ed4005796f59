"""``nnlint.trace()`` from Python: models, factories, example tensors; the graph and the summary."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")

from torch import nn
from trace_support import MODELS

from nnlint.trace import TraceReport, TraceUsageError, trace
from nnlint.trace.loader import load_target


class Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.fc.weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn(self.conv(x)))
        return torch.log(self.fc(h.mean((2, 3))))


def test_a_real_model_is_traced_on_a_meta_copy_and_left_untouched() -> None:
    model = Small()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    report = trace(model, "B,3,H,W")
    assert isinstance(report, TraceReport)
    assert all(p.device.type == "cpu" for p in model.parameters())
    assert all(torch.equal(before[name], p) for name, p in model.named_parameters())
    assert not model.fc.weight.requires_grad and model.training
    assert sorted(d.code for d in report.diagnostics) == ["NT106", "NT110"]


def test_example_tensors_give_fixed_sizes_and_no_batch_checks() -> None:
    report = trace(Small(), torch.zeros(2, 3, 8, 8))
    assert report.capture.primes == {}
    assert report.graph.nodes["conv"]["dims"] == "[2, 8, 4, 4]"


def test_several_inputs_and_a_class() -> None:
    report = trace(load_target(f"{MODELS}/dims_batch.py:PredictionMinusTarget"), ["B,8", "B"])
    assert [d.code for d in report.diagnostics] == ["NT105"]


def test_the_graph_carries_what_the_checks_found() -> None:
    report = trace(Small, "B,3,H,W")
    graph = report.graph
    assert next(iter(graph.nodes)) == "x" and graph.graph["tier"] == "fx"
    conv = graph.nodes["conv"]
    assert conv["op"] == "call_module" and conv["module_type"] == "Conv2d" and conv["dims"] == "[B, 8, H/2, W/2]"
    assert conv["params"] == 8 * 3 * 9 + 8 and conv["trainable"] == conv["params"] and not conv["frozen"]
    assert conv["source"] == "tests/trace/test_trace_api.py:26"
    fc = graph.nodes["fc"]
    assert fc["trainable"] == 4 and fc["params"] == 36 and not fc["frozen"]
    log = next(data for _, data in graph.nodes(data=True) if data["kind"] == "log")
    assert "0 or negative" in log["nan"] and log["flags"] == "NT110"
    assert ("conv", "bn") in graph.edges
    assert all(data["live"] for _, data in graph.nodes(data=True))


def test_summary_rows() -> None:
    report = trace(Small, "B,3,H,W")
    rows = {row.path: row for row in report.rows}
    assert list(rows) == ["(model)", "conv", "bn", "fc"]
    assert rows["(model)"].shape == "[B, 4]" and "NT110" in rows["(model)"].flags
    assert rows["bn"].shape == "[B, 8, H/2, W/2]" and rows["fc"].trainable == 4 and rows["fc"].params == 36
    assert "NT106" in rows["fc"].flags


def test_a_tuple_output_shows_each_element_in_the_summary() -> None:
    report = trace(load_target(f"{MODELS}/dims_batch.py:ReturnsStateOfAnLstm"), "B,T,16")
    shapes = {row.path: row.shape for row in report.rows}
    assert shapes["(model)"] == "([B, T, 5], ([1, B, 16], [1, B, 16]))"
    assert shapes["rnn"] == "([B, T, 16], ([1, B, 16], [1, B, 16]))"


def test_frozen_modules_are_marked_in_the_graph_and_summary() -> None:
    report = trace(load_target(f"{MODELS}/params.py:FrozenBackbone"), "B,16")
    assert report.graph.nodes["backbone_layer1"]["frozen"]
    rows = {row.path: row for row in report.rows}
    assert rows["backbone"].flags == ("NT106", "frozen") and rows["head"].flags == ()


def test_unreachable_nodes_are_not_live() -> None:
    report = trace(load_target(f"{MODELS}/params.py:DiscardedBranch"), "B,16")
    assert not report.graph.nodes["proj"]["live"] and report.graph.nodes["head"]["live"]


def test_a_tied_weight_is_live_where_the_capture_lists_it_twice() -> None:
    report = trace(load_target(f"{MODELS}/params.py:TiedLikeNanoGPT"), "B,T:long")
    assert report.capture.tier == "export"  # the tier that lists the shared weight once per module
    assert [name for name, data in report.graph.nodes(data=True) if not data["live"]] == []


def test_usage_errors_raise_trace_usage_error() -> None:
    with pytest.raises(TraceUsageError, match="at least one input"):
        trace(Small, [])
    with pytest.raises(TraceUsageError, match="already a model"):
        trace(Small(), "B,3,8,8", kwargs={"x": 1})


def test_html_page_is_self_contained() -> None:
    from nnlint.trace.html import render_html

    graph = trace(Small, "B,3,H,W").graph
    page = render_html(graph, "Small")
    assert page.startswith("<!DOCTYPE html>") and page.count('"scope":') == len(graph)  # one drawn node each (graph.js)
    assert "<script src" not in page and "<link" not in page
