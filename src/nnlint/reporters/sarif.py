"""SARIF 2.1.0, the format code-scanning services read (GitHub code scanning, Azure DevOps, IDE viewers).

One run whose ``tool.driver.rules`` describes each rule that has results (id,
name, descriptions, help, ``helpUri`` to the rule page, default level) and one
result per diagnostic. Regions are 1-based and, as the run's ``columnKind``
says, count UTF-16 code units (converted here when the file's text was given).
Paths relative to the working directory stay relative, against ``%SRCROOT%``,
which is what code scanning resolves against the repository; files that could
not be checked become tool execution notifications.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import nnlint
from nnlint.catalog import RuleDoc, all_docs
from nnlint.diagnostic import Diagnostic, Fix, Position, Range, Related, Severity, rule_url
from nnlint.reporters.details import message_with_details
from nnlint.reporters.json_lsp import file_uri
from nnlint.reporters.positions import SourceLines
from nnlint.reporters.report import Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/nnlint/nnlint"
SOURCE_ROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write ``report`` as a SARIF log; ``color`` is accepted for a uniform signature and unused."""
    json.dump(report_to_sarif(report), out, indent=2, ensure_ascii=False)
    out.write("\n")


def report_to_sarif(report: Report) -> dict[str, Any]:
    docs = {doc.code: doc for doc in all_docs()}
    codes = sorted({diagnostic.code for diagnostic in report.diagnostics})
    examples = {diagnostic.code: diagnostic for diagnostic in reversed(report.diagnostics)}
    rules = [_rule(docs.get(code), examples[code]) for code in codes]
    index = {code: position for position, code in enumerate(codes)}
    results: list[dict[str, Any]] = []
    for path, diagnostics in report.by_file():
        lines = report.lines(path)
        results.extend(_result(diagnostic, index[diagnostic.code], lines) for diagnostic in diagnostics)
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if report.errors:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": error}} for error in report.errors]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nnlint",
                        "version": nnlint.__version__,
                        "semanticVersion": nnlint.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": file_uri(os.curdir) + "/"}},
                "columnKind": "utf16CodeUnits",
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def _rule(doc: RuleDoc | None, example: Diagnostic) -> dict[str, Any]:
    """A ``reportingDescriptor``; a code without a catalogue entry (NN000, a syntax error) is described by its finding."""
    if doc is None:
        return {
            "id": example.code,
            "name": example.name,
            "shortDescription": {"text": example.help or example.name},
            "defaultConfiguration": {"level": _LEVELS[example.severity]},
        }
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": _section(doc.docs, "## What it does") or doc.summary},
        "help": {"text": doc.docs, "markdown": doc.docs},
        "helpUri": rule_url(doc.code),
        "defaultConfiguration": {"level": _LEVELS[doc.severity], "enabled": doc.default_enabled},
        "properties": {"checklist": list(doc.checklist), "tags": [f"checklist-{item}" for item in doc.checklist]},
    }


def _section(docs: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading, stripped."""
    match = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^#|\Z)", docs, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def _result(diagnostic: Diagnostic, rule_index: int, lines: SourceLines | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": message_with_details(diagnostic)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(diagnostic.path), "region": _region(diagnostic.range, lines)}}],
        "properties": {"checklist": list(diagnostic.checklist), "origin": diagnostic.source},
    }
    if diagnostic.related:
        result["relatedLocations"] = [_related(index, related, diagnostic.path, lines) for index, related in enumerate(diagnostic.related)]
    if diagnostic.fix is not None:
        result["fixes"] = [_fix(diagnostic.fix, diagnostic.path, lines)]
    return result


def _related(index: int, related: Related, path: str, lines: SourceLines | None) -> dict[str, Any]:
    """A related ``location`` (ids unique within the result); UTF-16 columns only where its file's text is known."""
    region = _region(related.range, lines if related.path == path else None)
    physical = {"artifactLocation": artifact_location(related.path), "region": region}
    return {"id": index, "physicalLocation": physical, "message": {"text": related.message}}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path stays relative to ``%SRCROOT%`` (the checkout); an absolute one becomes a file URI."""
    if os.path.isabs(path):
        return {"uri": file_uri(path)}
    relative = Path(os.path.normpath(path)).as_posix()
    return {"uri": quote(relative), "uriBaseId": SOURCE_ROOT}


def _region(span: Range, lines: SourceLines | None) -> dict[str, int]:
    return {
        "startLine": span.start.line + 1,
        "startColumn": _column(span.start, lines),
        "endLine": span.end.line + 1,
        "endColumn": _column(span.end, lines),
    }


def _column(position: Position, lines: SourceLines | None) -> int:
    """1-based, in UTF-16 code units when the text is known (SARIF's default ``columnKind``)."""
    return (position.character if lines is None else lines.utf16_character(position)) + 1


def _fix(fix: Fix, path: str, lines: SourceLines | None) -> dict[str, Any]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(path),
                "replacements": [{"deletedRegion": _region(edit.range, lines), "insertedContent": {"text": edit.new_text}} for edit in fix.edits],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }
