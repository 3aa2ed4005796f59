"""Real architectures from the ``transformers`` package, built from small configs (no download).

They cannot be traced by fx; torch.export captures them. The tracer must find
nothing in these correct models, follow B and T to the logits, and still find a
bug planted in one of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest

pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")
transformers = pytest.importorskip("transformers", reason="the transformers package is not installed (CI installs it)")

from nnlint.trace import trace

transformers.logging.set_verbosity_error()
SMALL = {"vocab_size": 100, "max_position_embeddings": 64}


def gpt2():
    config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100, n_positions=64,
                                     bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config)


def bert():
    config = transformers.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                     intermediate_size=128, **SMALL)
    return transformers.BertModel(config)


def llama(tie: bool = True):
    config = transformers.LlamaConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
                                      intermediate_size=128, tie_word_embeddings=tie, **SMALL)
    return transformers.LlamaForCausalLM(config)


def llama_with_frozen_head():
    model = llama(tie=False)
    model.lm_head.requires_grad_(False)
    return model


@pytest.mark.parametrize(("factory", "output"), [(gpt2, "[B, T, 100]"), (bert, "([B, T, 64], [B, 64])"), (llama, "[B, T, 100]")],
                         ids=["gpt2", "bert", "llama"])
def test_correct_architectures_have_no_findings(factory: Callable[[], object], output: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = trace(factory, "B,T:long")
    assert report.capture.tier == "export"
    assert report.diagnostics == [], [d.message for d in report.diagnostics]
    assert report.rows[0].shape == output
    embedding = next(data for _, data in report.graph.nodes(data=True) if data["kind"] == "embedding")
    assert embedding["dims"] == "[B, T, 64]" and "/modeling_" in embedding["source"]  # the caller, not torch


def test_a_frozen_head_in_a_real_architecture_is_found() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = trace(llama_with_frozen_head, "B,T:long")
    assert [d.code for d in report.diagnostics] == ["NT107"]
    assert "`lm_head` (Linear)" in report.diagnostics[0].message


@pytest.mark.parametrize("tier", ["make_fx", "hooks"])
def test_the_fallback_tiers_capture_a_real_architecture_too(tier: str) -> None:
    import torch

    from nnlint.trace import capture, checks, ranges
    from nnlint.trace.api import model_sizes
    from nnlint.trace.facts import analyse
    from nnlint.trace.loader import build
    from nnlint.trace.primes import choose_assignments

    model = build(llama)
    first, second = choose_assignments(["B", "T"], model_sizes(model))

    def tokens(primes: dict[str, int]) -> list[torch.Tensor]:
        return [torch.empty(primes["B"], primes["T"], dtype=torch.long, device="meta")]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captured = dict(capture.TIERS)[tier](model, tokens(dict(first.primes)), tokens(dict(second.primes)))
    ctx = analyse(model, captured, first, second, "B", 0)
    ranges.annotate(ctx)
    assert checks.run_checks(ctx) == []
    output = next(node for node in captured.graph.nodes if node.op == "output")
    assert output.all_input_nodes[0].meta["nnlint"].text == "[B, T, 100]"
