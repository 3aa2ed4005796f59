"""The capture chain: which tier captures which model, why the others failed, and unknown values."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")

from trace_support import MODELS

from nnlint.trace import trace
from nnlint.trace.loader import build, load_target

TIERS = MODELS / "tiers.py"


def traced(name: str, spec: str):
    return trace(load_target(f"{TIERS}:{name}"), spec)


def test_plain_models_are_captured_by_fx() -> None:
    report = traced("PlainMLP", "B,16")
    assert report.capture.tier == "fx" and report.capture.failures == ()
    assert report.capture.primes == {"B": 7}


def test_a_shape_dependent_if_falls_back_to_export_and_says_why() -> None:
    report = traced("ShapeDependentIf", "B,T,16")
    assert report.capture.tier == "export"
    assert [tier for tier, _ in report.capture.failures] == ["fx"]
    assert "control flow" in report.capture.failures[0][1]
    assert any("fx failed" in line for line in report.capture.lines())


def test_an_if_on_tensor_values_is_recorded_eagerly_with_a_note() -> None:
    report = traced("DataDependentIf", "B,16")
    assert report.capture.tier == "hooks"
    assert [tier for tier, _ in report.capture.failures] == ["fx", "export", "make_fx"]
    assert any("False branch" in note and "tiers.py:51" in note for note in report.capture.notes)


def test_data_dependent_sizes_mark_nodes_unknown_instead_of_failing() -> None:
    report = traced("NonZeroSelect", "B,16")
    unknown = [name for name, data in report.graph.nodes(data=True) if data["unknown"]]
    assert report.capture.tier == "fx" and unknown
    assert report.graph.nodes[unknown[0]]["dims"] == "?"
    assert not report.graph.nodes["fc"]["unknown"]


def test_item_in_forward_is_unknown_not_an_error() -> None:
    report = traced("ItemInForward", "B,16")
    assert any(data["unknown"] for _, data in report.graph.nodes(data=True))


def test_a_torch_container_that_fx_cannot_enter_becomes_a_leaf() -> None:
    report = traced("WrappedEncoder", "B,T,16")
    assert report.capture.tier == "fx"
    assert report.graph.nodes["encoder"]["dims"] == "[B, T, 16]"


def test_transformer_encoder_itself_needs_tier_2() -> None:
    report = trace(load_target(f"{TIERS}:transformer_encoder"), "B,T,16")
    assert report.capture.tier == "export"
    assert report.diagnostics == []
    outputs = [data["dims"] for _, data in report.graph.nodes(data=True) if data["op"] == "call_function"]
    assert outputs[-1] == "[B, T, 16]"


@pytest.mark.parametrize("tier", ["export", "make_fx", "hooks"])
def test_every_tier_gives_the_same_findings_and_provenance(tier: str) -> None:
    from nnlint.trace import capture as chain
    from nnlint.trace import ranges
    from nnlint.trace.checks import run_checks
    from nnlint.trace.facts import analyse
    from nnlint.trace.primes import choose_assignments

    model = build(load_target(f"{MODELS}/dims_view.py:HeadsMergedWithoutTranspose"))
    first, second = choose_assignments(["B", "T"], [64, 8, 192])
    run = dict(chain.TIERS)[tier]
    captured = run(model, [torch.empty(7, 13, 64, device="meta")], [torch.empty(11, 23, 64, device="meta")])
    ctx = analyse(model, captured, first, second, "B", 0)
    ranges.annotate(ctx)
    codes = [finding.code for finding in run_checks(ctx)]
    assert codes == ["NT101"], tier
    output = next(node for node in captured.graph.nodes if node.op == "output")
    last = output.all_input_nodes[0]
    assert last.meta["nnlint"].text == "[B, T, 64]"
