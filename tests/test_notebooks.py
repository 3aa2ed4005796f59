"""Notebooks: code cells checked as one program, findings reported at the code inside the ``.ipynb`` file.

The notebooks are written with ``nbformat``, as Jupyter writes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nnlint.cli import main
from nnlint.diagnostic import Applicability, Position
from nnlint.discovery import discover
from nnlint.notebooks import read_notebook
from nnlint.notebooks.ipython import python_lines
from nnlint.sources import UnreadableSource

PYTHON = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
CELLS = [
    new_markdown_cell("# Training MNIST"),
    new_code_cell("%matplotlib inline\n!pip install torch\nimport torch.nn as nn"),
    new_code_cell("model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\ncriterion = nn.NLLLoss()"),
    new_markdown_cell("Now train."),
    new_code_cell('for x, y in loader:\n    %time out = model(x)\n    loss = criterion(model(x), y)'),
]
CALL = "criterion(model(x), y)"


def write_notebook(path: Path, cells=CELLS, metadata=PYTHON) -> Path:
    nbformat.write(new_notebook(cells=list(cells), metadata=metadata), str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--no-cache", "--color", "never"])
    return code, capsys.readouterr().out


def at(text: str, line: int, start: int, end: int) -> str:
    """The text of the ``.ipynb`` file between two columns of one of its lines."""
    return text.splitlines()[line][start:end]


def test_cells_are_one_program_and_the_finding_points_into_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    notebook = write_notebook(tmp_path / "train.ipynb")
    code, out = run(capsys, str(notebook), "--format", "json")
    assert code == 1
    (file,) = json.loads(out)["files"]
    (diagnostic,) = file["diagnostics"]
    assert file["uri"] == notebook.as_uri()
    assert diagnostic["code"] == "NN301", "the model of cell 3 reaches the loss of cell 5"
    assert diagnostic["data"]["notes"][0] == "cell 5, line 3"
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    assert start["line"] == end["line"]
    assert at(notebook.read_text(encoding="utf-8"), start["line"], start["character"], end["character"]) == CALL


def test_the_terminal_report_names_the_cell_and_shows_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    notebook = write_notebook(tmp_path / "train.ipynb")
    code, out = run(capsys, str(notebook))
    assert code == 1
    assert "= note: cell 5, line 3" in out
    assert f'"    loss = {CALL}"' in out  # the frame is the notebook's own line


ESCAPED = 'for x, y in loader:\n    s = "d\u00e9j\u00e0 \\"vu\\"\t\N{GRINNING FACE}"; loss = criterion(model(x), y)'


@pytest.mark.parametrize("ascii_only", [False, True], ids=["utf-8 text", "\\u escapes"])
def test_escaped_and_non_ascii_code_maps_to_the_exact_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str], ascii_only: bool):
    """Quotes, backslashes, tabs, accents and an emoji before the finding, as nbformat writes them or as \\u escapes."""
    notebook = tmp_path / "train.ipynb"
    document = new_notebook(cells=[*CELLS[:4], new_code_cell(ESCAPED)], metadata=PYTHON)
    notebook.write_text(json.dumps(document, indent=1, ensure_ascii=ascii_only), encoding="utf-8")
    (file,) = json.loads(run(capsys, str(notebook), "--format", "json")[1])["files"]
    (diagnostic,) = file["diagnostics"]
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    line = notebook.read_text(encoding="utf-8").splitlines()[start["line"]]
    # the JSON reporter counts UTF-16 units: back to code points to slice the line
    units = [1 if ord(char) <= 0xFFFF else 2 for char in line]
    column = lambda wanted: next(i for i in range(len(line) + 1) if sum(units[:i]) == wanted)
    assert line[column(start["character"]) : column(end["character"])] == CALL
    assert diagnostic["data"]["notes"][0] == "cell 5, line 2"


def test_a_cell_source_written_as_one_string_is_mapped_too():
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "import torch.nn as nn\nx = 1\n"},
    ]})
    notebook = read_notebook(text, "one.ipynb")
    assert notebook.program == "import torch.nn as nn\nx = 1\n"
    assert notebook.cell_of(Position(1, 0)) == (1, 2)


def test_ipython_only_lines_become_pass_and_python_stays_python():
    lines = [
        "%load_ext autoreload",
        "!nvidia-smi",
        "files = !ls data",
        "model?",
        "??model.forward",
        "if gpu:",
        "    %time train()",
        "msg = ('%s %s'",
        "       % (a, b))",
        "ok = (a",
        "      != b)",
        'doc = """',
        "%not a magic inside a string",
        '"""',
        "y = x % 3",
    ]
    assert python_lines(lines) == [
        "pass", "pass", "pass", "pass", "pass", "if gpu:", "    pass",
        *lines[7:],
    ]
    assert python_lines(["%%bash", "echo hi", "ls"]) == ["", "", ""]


def test_a_syntax_error_in_a_cell_is_one_diagnostic_in_that_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    notebook = write_notebook(tmp_path / "broken.ipynb", [new_code_cell("import torch"), new_code_cell("x = 1\ndef train(:\n    pass")])
    code, out = run(capsys, str(notebook), "--format", "json")
    (diagnostic,) = json.loads(out)["files"][0]["diagnostics"]
    assert code == 1 and diagnostic["code"] == "NN000"
    assert diagnostic["data"]["notes"][0] == "cell 2, line 2"


def test_suppression_comments_in_cells_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    cells = [*CELLS[:4], new_code_cell("for x, y in loader:\n    loss = criterion(model(x), y)  # nnlint: ignore[NN301]")]
    code, out = run(capsys, str(write_notebook(tmp_path / "train.ipynb", cells)))
    assert code == 0, out


def test_fixes_are_display_only_and_fix_never_rewrites_a_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    notebook = write_notebook(tmp_path / "train.ipynb")
    before = notebook.read_bytes()
    (diagnostic,) = json.loads(run(capsys, str(notebook), "--format", "json")[1])["files"][0]["diagnostics"]
    assert diagnostic["data"]["fix"]["applicability"] == Applicability.DISPLAY_ONLY.value
    code, _ = run(capsys, str(notebook), "--fix", "--unsafe-fixes")
    assert code == 1 and notebook.read_bytes() == before


def test_the_display_only_edit_is_a_correct_edit_of_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    notebook = write_notebook(tmp_path / "train.ipynb")
    (diagnostic,) = json.loads(run(capsys, str(notebook), "--format", "json")[1])["files"][0]["diagnostics"]
    (edit,) = diagnostic["data"]["fix"]["edits"]
    lines = notebook.read_text(encoding="utf-8").splitlines(keepends=True)
    line, start, end = edit["range"]["start"]["line"], edit["range"]["start"]["character"], edit["range"]["end"]["character"]
    lines[line] = lines[line][:start] + edit["newText"] + lines[line][end:]
    fixed = nbformat.reads("".join(lines), as_version=4)
    assert "criterion = nn.CrossEntropyLoss()" in fixed.cells[2].source


def test_directories_include_notebooks_but_not_checkpoints(tmp_path: Path):
    write_notebook(tmp_path / "train.ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write_notebook(tmp_path / ".ipynb_checkpoints" / "train-checkpoint.ipynb")
    assert discover([str(tmp_path)]).files == [str(tmp_path / "train.ipynb")]


def test_a_notebook_in_another_language_has_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    metadata = {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    notebook = write_notebook(tmp_path / "stats.ipynb", [new_code_cell("x <- c(1, 2)\nprint(x)")], metadata)
    assert run(capsys, str(notebook))[0] == 0


@pytest.mark.parametrize(("content", "reason"), [("{not json", "invalid JSON"), ('{"cells": []}', "nbformat 4")])
def test_a_file_that_is_not_a_notebook_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str):
    broken = tmp_path / "broken.ipynb"
    broken.write_text(content, encoding="utf-8")
    code = main([str(broken), "--no-cache", "--format", "concise"])
    captured = capsys.readouterr()
    assert code == 2 and reason in captured.out and "Traceback" not in captured.out + captured.err
    with pytest.raises(UnreadableSource):
        read_notebook(content, "broken.ipynb")


def test_results_are_the_same_from_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path / "train.ipynb")
    first = (main(["train.ipynb", "--format", "json"]), capsys.readouterr().out)
    second = (main(["train.ipynb", "--format", "json"]), capsys.readouterr().out)
    assert first == second and first[0] == 1
    assert any((tmp_path / ".nnlint_cache").iterdir())
