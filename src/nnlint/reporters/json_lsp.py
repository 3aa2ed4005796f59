"""The machine-readable report (``--format json``): LSP ``Diagnostic`` objects, grouped by file.

The document is ``{"version", "files": [{"uri", "path", "diagnostics"}], "errors", "summary"}``.
Each diagnostic has LSP's shape, so an editor plugin can pass it on as it is: 0-based lines,
``character`` counted in UTF-16 code units (converted here from the model's code points),
``severity`` 1-4, ``codeDescription.href`` the rule's page. nnlint's own fields (rule name,
checklist items, help, notes, origin, the fix and its edits) travel in ``data``.
``summary.fixable`` counts every finding with a fix, whatever its applicability (the text
formats count only the safe ones, those ``--fix`` applies). ``to_lsp`` is public: the language
server (``nnlint.lsp.units``) publishes its diagnostics through it; ``utf16_position`` converts
one position the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlparse

from nnlint.diagnostic import Diagnostic, Fix, Position, Range, Related, rule_url
from nnlint.reporters.positions import SourceLines
from nnlint.reporters.report import Report

#: Bumped when the shape below changes incompatibly.
SCHEMA_VERSION = 1


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write ``report`` as indented JSON; ``color`` is accepted for a uniform signature and unused."""
    json.dump(report_to_json(report), out, indent=2)
    out.write("\n")


def report_to_json(report: Report) -> dict[str, Any]:
    files = []
    for path, diagnostics in report.by_file():
        lines = report.lines(path)
        files.append({"uri": file_uri(path), "path": path, "diagnostics": [_lsp(d, lines) for d in diagnostics]})
    return {
        "version": SCHEMA_VERSION,
        "files": files,
        "errors": list(report.errors),
        "summary": {"problems": len(report.diagnostics), "fixable": report.fixable},
    }


def to_lsp(diagnostic: Diagnostic, source_text: str | None) -> dict[str, Any]:
    """``diagnostic`` as an LSP ``Diagnostic``; without ``source_text`` columns stay in code points."""
    return _lsp(diagnostic, None if source_text is None else SourceLines(source_text))


def utf16_position(text: str | None, position: Position) -> dict[str, int]:
    """An LSP ``Position`` (0-based line, UTF-16 ``character``) for a code-point position in ``text``."""
    return _position(position, None if text is None else SourceLines(text))


def document_uri(path: str) -> str:
    """The URI of a finding's document: a file's, or the path itself where it already is a URI (an unsaved editor buffer)."""
    return path if len(urlparse(path).scheme) > 1 else file_uri(path)  # one letter is a Windows drive


def file_uri(path: str) -> str:
    """``file:///abs/path`` for ``path``, made absolute against the working directory."""
    return Path(os.path.abspath(path)).as_uri()


def _lsp(diagnostic: Diagnostic, lines: SourceLines | None) -> dict[str, Any]:
    shaped = {
        "range": _range(diagnostic.range, lines),
        "severity": int(diagnostic.severity),
        "code": diagnostic.code,
        "codeDescription": {"href": rule_url(diagnostic.code)},
        "source": "nnlint",
        "message": diagnostic.message,
        "data": {
            "name": diagnostic.name,
            "checklist": list(diagnostic.checklist),
            "origin": diagnostic.source,
            "help": diagnostic.help,
            "notes": list(diagnostic.notes),
            "fix": None if diagnostic.fix is None else _fix(diagnostic.fix, lines),
        },
    }
    if diagnostic.related:  # optional in LSP: absent rather than empty
        shaped["relatedInformation"] = [_related(related, diagnostic.path, lines) for related in diagnostic.related]
    return shaped


def _related(related: Related, path: str, lines: SourceLines | None) -> dict[str, Any]:
    """A ``DiagnosticRelatedInformation``; columns convert with ``lines`` only when it is the finding's own file."""
    here = lines if related.path == path else None
    return {"location": {"uri": document_uri(related.path), "range": _range(related.range, here)}, "message": related.message}


def _fix(fix: Fix, lines: SourceLines | None) -> dict[str, Any]:
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": [{"range": _range(edit.range, lines), "newText": edit.new_text} for edit in fix.edits],
    }


def _range(span: Range, lines: SourceLines | None) -> dict[str, dict[str, int]]:
    return {"start": _position(span.start, lines), "end": _position(span.end, lines)}


def _position(position: Position, lines: SourceLines | None) -> dict[str, int]:
    character = position.character if lines is None else lines.utf16_character(position)
    return {"line": position.line, "character": character}
