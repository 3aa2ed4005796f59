"""The model graph's files: the HTML page's data (groups, edge dims, search, findings), DOT attributes, modes.

The drawing itself (layout, routing around boxes, collapsing) is checked in a
real browser by ``test_pictures_browser.py``; these tests need only torch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("networkx")

from nnlint.trace import trace  # noqa: E402
from nnlint.trace.export import write_graph  # noqa: E402
from nnlint.trace.html import page_data, render_html  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "fixtures" / "models"


def model_class(file: str, name: str) -> type:
    spec = importlib.util.spec_from_file_location(f"pictures_{Path(file).stem}", MODELS / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


@pytest.fixture(scope="module")
def resnet():
    return trace(model_class("small_resnet.py", "SmallResNet"), "B,3,32,32").graph


def test_modules_become_groups_and_blocks_keep_their_class(resnet) -> None:
    groups = page_data(resnet)["groups"]
    assert {path for path, kind in groups.items() if kind == "Bottleneck"} == {"layer1.0", "layer1.1", "layer2.0", "layer2.1"}
    assert {"stem", "layer1", "layer2", "layer2.0.downsample"} <= set(groups)
    scopes = {node["id"]: node["scope"] for node in page_data(resnet)["nodes"]}
    assert scopes["layer1_0_conv1"] == "layer1.0" and scopes["add"] == "layer1.0" and scopes["fc"] == ""


def test_every_edge_carries_the_dims_of_the_value_and_where_it_was_made(resnet) -> None:
    edges = page_data(resnet)["edges"]
    assert len(edges) == resnet.number_of_edges()
    skip = next(edge for edge in edges if edge["source"] == "stem_2" and edge["target"] == "add")
    assert skip["label"] == "[B, 16, 32, 32]" and "small_resnet.py:" in skip["tooltip"]
    assert all(edge["label"] for edge in edges)


def test_search_matches_ops_and_modules_not_file_paths() -> None:
    graph = trace(model_class("dims_view.py", "HeadsMergedWithoutTranspose"), "B,T,64").graph
    nodes = page_data(graph)["nodes"]
    views = [node["id"] for node in nodes if "view" in node["search"].lower()]
    assert views and len(views) == sum(1 for _, data in graph.nodes(data=True) if "view" in str(data.get("target")))
    assert not any("dims_view" in node["search"] for node in nodes)


def test_findings_are_listed_with_the_node_they_point_at() -> None:
    graph = trace(model_class("dims_view.py", "HeadsMergedWithoutTranspose"), "B,T,64").graph
    findings = page_data(graph)["findings"]
    assert findings and all(finding["node"] in graph for finding in findings)
    assert any(finding["code"] == "NT101" and finding["summary"] for finding in findings)
    flagged = {node["id"] for node in page_data(graph)["nodes"] if node["flagged"]}
    assert {finding["node"] for finding in findings} <= flagged


def test_the_page_embeds_its_layout_library_and_cannot_be_closed_early_by_data(resnet) -> None:
    resnet.nodes["fc"]["module"] = "</script><script>alert(1)</script>"
    try:
        page = render_html(resnet, "t")
    finally:
        resnet.nodes["fc"]["module"] = "fc"
    assert "dagre" in page and "<script src" not in page
    assert page.count("</script>") == 3  # dagre, the data, the drawing: the module name above did not close one
    data = json.loads(re.search(r"var NNLINT_GRAPH = (.*?);</script>", page, re.S).group(1).replace("<\\/", "</"))
    assert len(data["nodes"]) == len(resnet)


def test_dot_keeps_the_tensor_shape_out_of_graphviz_shape(resnet, tmp_path: Path) -> None:
    path = tmp_path / "net.dot"
    write_graph(resnet, str(path))
    nodes = [line for line in path.read_text().splitlines() if line.startswith('  "') and "->" not in line]
    assert len(nodes) == len(resnet)
    assert not any(re.search(r"[ ,\[]shape=", line) for line in nodes)
    assert not any(re.search(r"[ ,\[]target=", line) for line in nodes)
    assert 'tensor_shape="[7, 3, 32, 32]"' in nodes[0] and 'fx_target="stem.0"' in path.read_text()


def test_inputs_and_output_carry_no_source_line(tmp_path: Path) -> None:
    """Through the real command (the frame fx saw for them was nnlint's own launcher)."""
    path = tmp_path / "net.json"
    done = subprocess.run([sys.executable, "-c", "import sys; from nnlint.cli import main; sys.exit(main())", "trace",
                           f"{MODELS / 'small_resnet.py'}:SmallResNet", "--input", "B,3,32,32", "--no-summary", "--graph", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    nodes = {node["id"]: node for node in json.loads(path.read_text())["nodes"]}
    assert nodes["x"]["source"] == "" and nodes["output"]["source"] == ""
    assert "small_resnet.py:" in nodes["stem_0"]["source"]


@pytest.mark.parametrize("extension", [".html", ".dot", ".json", ".graphml"])
def test_graph_files_follow_the_umask(resnet, tmp_path: Path, extension: str) -> None:
    previous = os.umask(0o022)
    try:
        write_graph(resnet, str(tmp_path / f"net{extension}"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / f"net{extension}").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == [f"net{extension}"]


def test_parameters_are_drawn_inside_the_block_that_uses_them() -> None:
    """torch.export feeds parameters in as inputs; drawn at the top they made one long row with edges across it."""
    import warnings

    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100, n_positions=64, bos_token_id=0, eos_token_id=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = trace(lambda: transformers.GPT2LMHeadModel(config), "B,T:long").graph
    scopes = {node["id"]: node["scope"] for node in page_data(graph)["nodes"]}
    assert scopes["p_inner_transformer_h_0_ln_1_weight"].startswith("transformer.h.0")
    assert scopes["p_inner_transformer_h_1_attn_c_proj_bias"].startswith("transformer.h.1")
    inputs = [name for name, data in graph.nodes(data=True) if data["op"] == "placeholder" and not data["params"]]
    assert inputs and all(scopes[name] == "" for name in inputs)
