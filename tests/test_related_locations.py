"""The path that led to a finding, as related locations in every report that has room for them.

A ``Diagnostic``'s ``related`` places travel as LSP ``relatedInformation`` (the JSON
report and the language server, in the client's column units), as ``because`` lines
in the full report and the one-text formats, through the result cache and into a
notebook's own positions.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

from nnlint.cache import ResultCache
from nnlint.diagnostic import Diagnostic, Range, Related
from nnlint.lsp.units import UTF8, lsp_diagnostic
from nnlint.notebooks import read_notebook
from nnlint.reporters import write_report
from nnlint.reporters.details import message_with_details
from nnlint.reporters.json_lsp import to_lsp
from nnlint.reporters.positions import SourceLines

SOURCE = 'head = "\N{GRINNING FACE}"; fc = nn.Linear(8, 1)\nloss = F.cross_entropy(model(x), y)\n'
FINDING = Diagnostic(
    code="NN305", name="single-logit-cross-entropy", message="cross_entropy over one class", path="train.py",
    range=Range.of(1, 7, 1, 35),
    related=(Related("train.py", Range.of(0, 17, 0, 33), "the scores come from nn.Linear with one output, built here"),),
)


def _json(diagnostic: Diagnostic) -> dict:
    out = io.StringIO()
    write_report([diagnostic], "json", out, sources={"train.py": SOURCE})
    (file,) = json.loads(out.getvalue())["files"]
    (shaped,) = file["diagnostics"]
    return shaped


def test_json_report_carries_related_information_in_utf16_columns() -> None:
    (related,) = _json(FINDING)["relatedInformation"]
    assert related["message"] == "the scores come from nn.Linear with one output, built here"
    assert related["location"]["uri"] == (Path.cwd() / "train.py").as_uri()
    assert related["location"]["range"] == {"start": {"line": 0, "character": 18}, "end": {"line": 0, "character": 34}}  # the emoji is 2 units


def test_a_finding_without_a_path_has_no_related_information_key() -> None:
    assert "relatedInformation" not in _json(Diagnostic("NN305", "x", "m", "train.py", Range.of(1, 0, 1, 4)))


def test_an_unsaved_buffer_keeps_its_uri() -> None:
    untitled = Diagnostic("NN305", "x", "m", "untitled:Untitled-1", Range.of(1, 0, 1, 4),
                          related=(Related("untitled:Untitled-1", Range.of(0, 0, 0, 2), "here"),))
    assert to_lsp(untitled, None)["relatedInformation"][0]["location"]["uri"] == "untitled:Untitled-1"


def test_the_language_server_converts_related_columns_to_the_clients_units() -> None:
    (related,) = lsp_diagnostic(FINDING, SourceLines(SOURCE), UTF8)["relatedInformation"]
    assert related["location"]["range"]["start"] == {"line": 0, "character": 20}  # the emoji is 4 UTF-8 bytes


def test_full_report_prints_a_because_line_with_the_place() -> None:
    out = io.StringIO()
    write_report([FINDING], "full", out, sources={"train.py": SOURCE}, color=False)
    assert "= because: the scores come from nn.Linear with one output, built here (train.py:1)" in out.getvalue()


def test_one_text_formats_end_with_the_because_lines() -> None:
    assert message_with_details(FINDING).splitlines()[-1] == "because: the scores come from nn.Linear with one output, built here (train.py:1)"


def test_the_result_cache_keeps_related_locations(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SOURCE, encoding="utf-8")
    found = replace(FINDING, path=str(script), related=(Related(str(script), Range.of(0, 17, 0, 33), "built here"),))
    cache = ResultCache(tmp_path / "cache", "key")
    cache.store(str(script), script.read_bytes(), [found], [])
    assert cache.load(str(script), script.read_bytes(), SOURCE) == [found]


def test_a_notebook_moves_related_locations_into_the_ipynb_file() -> None:
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "fc = nn.Linear(8, 1)\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "loss = F.cross_entropy(fc(x), y)\n"},
    ]}, indent=1)
    related = Related("t.ipynb", Range.of(0, 5, 0, 20), "built here")
    (moved,) = read_notebook(text, "t.ipynb").to_file([Diagnostic("NN305", "x", "m", "t.ipynb", Range.of(1, 7, 1, 32), related=(related,))])
    (where,) = [r.range for r in moved.related]
    assert where.start.line == where.end.line
    assert text.splitlines()[where.start.line][where.start.character:where.end.character] == "nn.Linear(8, 1)"
