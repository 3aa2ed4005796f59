"""``nnlint trace`` from the command line: exit codes, formats, graph files and one-line errors."""

from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
networkx = pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")

from trace_support import MODELS, line_of

from nnlint.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["trace", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_findings_exit_1_with_summary_capture_line_and_code_frame(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, f"{MODELS}/dims_view.py:ViewSwapsAxes", "--input", "B,T,64")
    assert status == 1, err
    assert "captured by fx" in out and "B=7, T=13" in out
    assert "[B, 32, T]" in out  # the summary table
    line = line_of(MODELS / "dims_view.py", "self.conv(x.view(b, d, t))")
    assert "NT101" in out and f"dims_view.py:{line}" in out and "x.view(b, d, t)" in out


def test_no_findings_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, f"{MODELS}/dims_view.py:PermuteSwapsAxes", "-i", "B,T,64", "--no-summary")
    assert status == 0, err
    assert "module" not in out.splitlines()[0]


def test_json_output_is_pure_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, f"{MODELS}/nan_ops.py:LogOfSoftmax", "--input", "B,16", "--format", "json")
    document = json.loads(out)
    assert status == 1 and "NT111" in out and document


def test_concise_output_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    target = f"{MODELS}/dims_batch.py:PoolOverBatch"
    status, out, _ = run(capsys, target, "--input", "B,32", "--format", "concise")
    assert status == 1 and "NT102" in out and "NT104" in out
    status, out, _ = run(capsys, target, "--input", "B,32", "--format", "concise", "--ignore", "nt102,NT104")
    assert status == 0 and "NT10" not in out


def test_factory_with_kwargs_and_dtype(capsys: pytest.CaptureFixture[str]) -> None:
    target = f"{MODELS}/params.py:TiedEmbeddings"
    status, out, err = run(capsys, target, "--input", "B,T", "--dtype", "long", "--kwargs", '{"vocab": 30}')
    assert status == 0, err
    assert "[B, T, 30]" in out


def test_importable_module_target(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "benchmarks.trace_models:Attention", "--input", "B,T,64", "--kwargs", '{"dim": 64, "heads": 4}')
    assert status == 0, err


@pytest.mark.parametrize("extension", [".graphml", ".dot", ".json", ".html"])
def test_graph_files(capsys: pytest.CaptureFixture[str], tmp_path, extension: str) -> None:
    path = tmp_path / f"net{extension}"
    status, _, err = run(capsys, f"{MODELS}/nan_ops.py:DivideByNorm", "--input", "B,16", "--graph", str(path))
    assert status == 1, err
    text = path.read_text()
    if extension == ".graphml":
        graph = networkx.read_graphml(path)
        flagged = [data for _, data in graph.nodes(data=True) if data.get("nan")]
        assert len(flagged) == 1 and "denominator" in flagged[0]["nan"]
    elif extension == ".json":
        document = json.loads(text)
        assert {"nodes", "edges"} <= set(document)
    elif extension == ".dot":
        assert text.startswith("digraph") and "->" in text and "#ffb3b3" in text
    else:
        assert "<svg" in text and "#ffb3b3" in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


ERRORS = [
    (["fixtures/models/nope.py:Net", "-i", "B,3"], "no such file"),
    ([f"{MODELS}/broken_import.py:Net", "-i", "B,3"], "this module cannot be imported"),
    ([f"{MODELS}/errors.py:RaisesInInit", "-i", "B,3"], f"hidden size must be even (fixtures/models/errors.py:{line_of(MODELS / 'errors.py', 'raise ValueError')})"),
    ([f"{MODELS}/errors.py:NotAModule", "-i", "B,3"], "not an nn.Module subclass"),
    ([f"{MODELS}/errors.py:returns_a_number", "-i", "B,3"], "returned a int, not an nn.Module"),
    ([f"{MODELS}/errors.py:Missing", "-i", "B,3"], "has no attribute 'Missing' (nn.Module classes found: LeNet, NeedsTwoInputs, RaisesInInit)"),
    ([f"{MODELS}/errors.py", "-i", "B,3"], "name the model"),
    ([f"{MODELS}/errors.py:LeNet", "-i", "B,1,28,28"], f"does not fit the model: fc1 (Linear) at fixtures/models/errors.py:{line_of(MODELS / 'errors.py', 'self.fc1(')}"),
    ([f"{MODELS}/errors.py:NeedsTwoInputs", "-i", "B,3"], "NeedsTwoInputs.forward(x, y) takes 2 inputs but 1 were given"),
    ([f"{MODELS}/errors.py:build_lenet", "-i", "B,1,32,32", "--kwargs", '{"nope": 1}'], "check --kwargs"),
    ([f"{MODELS}/errors.py:LeNet", "-i", "B,,3"], "bad input spec"),
    ([f"{MODELS}/errors.py:LeNet", "-i", "B,3", "--kwargs", "{"], "--kwargs is not valid JSON"),
    ([f"{MODELS}/errors.py:LeNet", "-i", "B,3", "--dtype", "complex"], "unknown dtype"),
    ([f"{MODELS}/errors.py:LeNet", "-i", "B,1,32,32", "--graph", "net.txt"], "unknown format"),
    (["no_such_package.models:Net", "-i", "B,3"], "no module named 'no_such_package.models'"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS, ids=[message for _, message in ERRORS])
def test_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("nnlint trace: ") and "Traceback" not in err
    assert message in err


def test_spec_mismatch_names_the_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, f"{MODELS}/errors.py:LeNet", "-i", "B,1,28,28")
    assert "got inputs of shape [11, 256]" in err and "[400, 120]" in err  # 7 divides 28: B is 11


def test_missing_torch_says_how_to_install(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    status, out, err = run(capsys, f"{MODELS}/errors.py:LeNet", "-i", "B,1,32,32")
    assert status == 2 and out == ""
    assert err == "nnlint trace: needs torch: pip install 'nnlint[trace]'\n"
