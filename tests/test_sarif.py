"""``--format sarif``: a SARIF 2.1.0 log that the official schema accepts and code scanning can place.

The schema is the OASIS one (sarif-schema-2.1.0.json, errata 01), shipped in
``tests/schemas`` so the test needs no network.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from nnlint.cli import main
from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Range, Related, Severity, rule_url
from nnlint.reporters import write_report
from nnlint.reporters.json_lsp import file_uri

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
SOURCE = 'import torch\nemoji = "\N{GRINNING FACE}"; loss = nll(logits)\nx = 1\n'
FINDING = Diagnostic(
    code="NN301",
    name="nll-loss-without-log-softmax",
    message="NLLLoss gets raw logits",
    path="train.py",
    range=Range.of(1, 20, 1, 31),  # nll(logits), after a character outside the BMP
    severity=Severity.ERROR,
    checklist=(19,),
    help="apply log_softmax first",
    notes=("logits come from model(x)",),
    fix=Fix("use CrossEntropyLoss", (Edit(Range.of(1, 20, 1, 23), "cross_entropy"),), Applicability.UNSAFE),
)
NO_DOC = Diagnostic(code="NN000", name="syntax-error", message="SyntaxError: invalid syntax", path="sub dir/broken.py",
                    range=Range.of(0, 4, 0, 5), severity=Severity.ERROR)
HINT = Diagnostic(code="NN402", name="eval-without-eval-mode", message="model in training mode", path="/abs/eval.py",
                  range=Range.of(2, 0, 2, 8), severity=Severity.HINT, checklist=(32,))


def sarif(diagnostics: list[Diagnostic], errors: tuple[str, ...] = (), sources: dict[str, str] | None = None) -> dict[str, Any]:
    out = io.StringIO()
    write_report(diagnostics, "sarif", out, sources={"train.py": SOURCE} if sources is None else sources, errors=errors)
    log = json.loads(out.getvalue())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_the_log_is_valid_sarif_2_1_0_and_describes_the_tool():
    log = sarif([FINDING, NO_DOC, HINT])
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nnlint" and driver["version"]
    assert [rule["id"] for rule in driver["rules"]] == ["NN000", "NN301", "NN402"]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_rules_have_name_descriptions_help_and_default_level():
    rules = {rule["id"]: rule for rule in sarif([FINDING, NO_DOC, HINT])["runs"][0]["tool"]["driver"]["rules"]}
    nll = rules["NN301"]
    assert nll["name"] == "nll-loss-without-log-softmax"
    assert nll["shortDescription"]["text"] and nll["fullDescription"]["text"]
    assert "## Why is this bad?" in nll["help"]["markdown"]
    assert nll["helpUri"] == rule_url("NN301")
    assert nll["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert nll["properties"]["checklist"] == [19]
    assert "helpUri" not in rules["NN000"], "a syntax error has no rule page"


def test_results_have_rule_level_message_one_based_utf16_regions_and_fixes():
    results = sarif([FINDING, NO_DOC, HINT])["runs"][0]["results"]
    by_rule = {result["ruleId"]: result for result in results}
    nll = by_rule["NN301"]
    rules = sarif([FINDING, NO_DOC, HINT])["runs"][0]["tool"]["driver"]["rules"]
    assert rules[nll["ruleIndex"]]["id"] == "NN301"
    assert nll["level"] == "error" and by_rule["NN402"]["level"] == "note"
    assert nll["message"]["text"].splitlines() == ["NLLLoss gets raw logits", "help: apply log_softmax first", "note: logits come from model(x)"]
    location = nll["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 22, "endLine": 2, "endColumn": 33}  # the emoji is 2 UTF-16 units
    (fix,) = nll["fixes"]
    (change,) = fix["artifactChanges"]
    assert fix["description"]["text"] == "use CrossEntropyLoss" and fix["properties"]["applicability"] == "unsafe"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 2, "startColumn": 22, "endLine": 2, "endColumn": 25}, "insertedContent": {"text": "cross_entropy"}}]


def test_paths_relative_stay_relative_to_the_source_root_absolute_become_file_uris():
    run = sarif([NO_DOC, HINT], sources={})["runs"][0]
    locations = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]}
    assert locations["NN000"] == {"uri": "sub%20dir/broken.py", "uriBaseId": "%SRCROOT%"}
    assert locations["NN402"] == {"uri": file_uri("/abs/eval.py")}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == file_uri(os.curdir) + "/"


def test_files_that_could_not_be_checked_are_tool_notifications():
    (invocation,) = sarif([], errors=("broken.py: cannot decode the file",))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [{"level": "error", "message": {"text": "broken.py: cannot decode the file"}}]


def test_an_empty_run_is_valid():
    run = sarif([])["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def test_the_command_line_writes_valid_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(784, 10))\ncriterion = nn.NLLLoss()\nloss = criterion(model(x), y)\n", encoding="utf-8"
    )
    assert main(["--format", "sarif", "--no-cache", "."]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "NN301"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_the_path_that_led_to_a_finding_is_its_related_locations():
    because = (Related("train.py", Range.of(1, 2, 1, 7), "the loss is built here"), Related("model.py", Range.of(13, 4, 13, 20), "its head has one output"))
    (result,) = sarif([replace(FINDING, related=because)])["runs"][0]["results"]
    assert result["relatedLocations"] == [
        {"id": 0, "message": {"text": "the loss is built here"}, "physicalLocation": {
            "artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 8}}},
        {"id": 1, "message": {"text": "its head has one output"}, "physicalLocation": {  # another file: its text is unknown, columns as they are
            "artifactLocation": {"uri": "model.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 14, "startColumn": 5, "endLine": 14, "endColumn": 21}}},
    ]
    assert "relatedLocations" not in sarif([FINDING])["runs"][0]["results"][0]
