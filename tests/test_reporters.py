"""The reporters render the same diagnostics as concise lines, a full terminal report and LSP JSON."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import jsonschema
import pytest

from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, Range, Severity, rule_url
from nnlint.reporters import FORMATS, write_report
from nnlint.reporters.checklist_titles import TITLES, describe_items
from nnlint.reporters.color import use_color
from nnlint.reporters.json_lsp import file_uri, to_lsp, utf16_position
from nnlint.reporters.positions import SourceLines

SOURCE = (
    "import torch\n"
    "\tlogits = model(x)\n"
    'emoji = "😀"; loss = nll(logits)\n'
    "total = (a +\n"
    "         b)\n"
    "print(total)\n"
)

TAB = Diagnostic(
    code="NN501",
    name="tabbed-call",
    message="a call after a tab",
    path="train.py",
    range=Range.of(1, 10, 1, 18),  # model(x)
    checklist=(23,),
)
UNICODE = Diagnostic(
    code="NN301",
    name="nll-loss-on-logits",
    message="NLLLoss gets raw logits",
    path="train.py",
    range=Range.of(2, 20, 2, 31),  # nll(logits), after a character outside the BMP
    checklist=(19,),
    help="apply log_softmax first",
    notes=("logits come from model(x) on line 2",),
    fix=Fix(
        title="Use CrossEntropyLoss",
        edits=(Edit(Range.of(2, 20, 2, 23), "cross_entropy"),),
        applicability=Applicability.UNSAFE,
    ),
)
MULTI_LINE = Diagnostic(
    code="NN102",
    name="split-sum",
    message="a sum over two lines",
    path="train.py",
    range=Range.of(3, 8, 4, 11),  # (a +\n         b)
    severity=Severity.ERROR,
    checklist=(19, 37),
)
NO_SOURCE = Diagnostic(
    code="NT101",
    name="frozen-layer",
    message="fc1 never gets a gradient",
    path="model.py",
    range=Range.of(9, 4, 9, 12),
    severity=Severity.INFO,
    checklist=(23,),
    source="trace",
)
DIAGNOSTICS = [MULTI_LINE, NO_SOURCE, UNICODE, TAB]
SOURCES = {"train.py": SOURCE}
ERRORS = ["broken.py: cannot decode as UTF-8"]


def render(fmt: str, diagnostics=DIAGNOSTICS, *, color: bool | None = False, errors=ERRORS, sources=SOURCES) -> str:
    out = io.StringIO()
    write_report(diagnostics, fmt, out, sources=sources, errors=errors, color=color)
    return out.getvalue()


# --- concise ---------------------------------------------------------------------------


def test_concise_lines_are_sorted_one_based_and_counted():
    assert render("concise") == (
        "error: broken.py: cannot decode as UTF-8\n"
        "model.py:10:5: NT101 info fc1 never gets a gradient\n"
        "train.py:2:11: NN501 warning a call after a tab\n"
        "train.py:3:21: NN301 warning NLLLoss gets raw logits\n"
        "train.py:4:9: NN102 error a sum over two lines\n"
        "Found 4 problems (0 fixable; 1 more with --unsafe-fixes).\n"
    )


def test_concise_says_problem_in_the_singular():
    assert render("concise", [TAB], errors=()).splitlines()[-1] == "Found 1 problem (0 fixable)."


def test_concise_with_only_errors_does_not_claim_success():
    assert render("concise", [], errors=ERRORS) == "error: broken.py: cannot decode as UTF-8\nFound 0 problems (0 fixable).\n"


# --- full ------------------------------------------------------------------------------

FULL_UNICODE_BLOCK = """\
train.py:3:21: NN301 warning [nll-loss-on-logits] NLLLoss gets raw logits
  |
2 |     logits = model(x)
3 | emoji = "😀"; loss = nll(logits)
  |                      ^^^^^^^^^^^
4 | total = (a +
  |
  = checklist: item 19 (Loss input conventions)
  = help: apply log_softmax first
  = note: logits come from model(x) on line 2
  = fix (unsafe): Use CrossEntropyLoss
"""


def test_full_report_without_colour_is_plain_text():
    text = render("full")
    assert "\x1b" not in text
    assert FULL_UNICODE_BLOCK in text  # the emoji is two cells wide: one more space before the carets
    assert text.startswith("error: broken.py: cannot decode as UTF-8\n")


def test_full_underline_stays_aligned_after_a_tab():
    lines = render("full").splitlines()
    code_line = lines.index("2 |     logits = model(x)")
    carets = lines[code_line + 1]
    assert carets.startswith("  |")
    assert carets.index("^") == lines[code_line].index("model(x)")
    assert carets.count("^") == len("model(x)")


def test_full_multi_line_span_underlines_to_the_end_of_its_first_line():
    text = render("full", [MULTI_LINE], errors=())
    assert text.startswith(
        "train.py:4:9: NN102 error [split-sum] a sum over two lines\n"
        "  |\n"
        "3 | emoji = \"😀\"; loss = nll(logits)\n"
        "4 | total = (a +\n"
        "  |         ^^^^\n"
        "5 |          b)\n"
        "6 | print(total)\n"
        "  |\n"
        "  = checklist: items 19 (Loss input conventions), 37 (NaN)\n"
    )


def test_full_elides_the_middle_of_a_long_span():
    source = "".join(f"line{n}\n" for n in range(1, 13))
    long_span = Diagnostic("NN102", "split-sum", "long", "long.py", Range.of(1, 0, 9, 2))
    text = render("full", [long_span], errors=(), sources={"long.py": source})
    frame = [line for line in text.splitlines() if "|" in line]
    assert frame == [
        "   |",
        " 1 | line1",
        " 2 | line2",
        "   | ^^^^^",
        " 3 | line3",
        " 4 | line4",
        "   | ...",
        "10 | line10",
        "11 | line11",
        "   |",
    ]


def test_full_without_source_has_a_header_and_advice_but_no_frame():
    text = render("full", [NO_SOURCE], errors=())
    assert text.startswith(
        "model.py:10:5: NT101 info [frozen-layer] fc1 never gets a gradient\n"
        "   = checklist: item 23 (Frozen layers or variables)\n"
        "\n"
    )


def test_full_ends_with_a_summary_and_counts_per_code():
    extra_tab = Diagnostic(**{**TAB.__dict__, "range": Range.of(0, 0, 0, 6)})
    text = render("full", [*DIAGNOSTICS, extra_tab], errors=())
    assert text.endswith(
        "Found 5 problems (0 fixable with --fix; 1 more with --unsafe-fixes).\n"
        "2  NN501  tabbed-call\n"
        "1  NN102  split-sum\n"
        "1  NN301  nll-loss-on-logits\n"
        "1  NT101  frozen-layer\n"
    )


def test_full_with_colour_uses_ansi_codes():
    text = render("full", color=True)
    assert "\x1b[" in text
    assert "\x1b[1;31mNN102" in text  # an error's code is red
    assert "\x1b[1;33m^^^^^^^^" in text  # a warning's carets are yellow


@pytest.mark.parametrize(
    ("environ", "tty", "expected"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ],
)
def test_colour_follows_tty_and_environment(environ, tty, expected):
    out = io.StringIO()
    out.isatty = lambda: tty  # type: ignore[method-assign]
    assert use_color(out, None, environ) is expected
    assert use_color(out, not expected, environ) is (not expected)  # an explicit choice wins


def test_colour_none_reads_the_real_environment(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in render("full", color=None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render("full", color=None)


def test_checklist_titles_cover_all_37_items():
    assert sorted(TITLES) == list(range(1, 38))
    assert all(title.strip() for title in TITLES.values())
    assert describe_items((19,)) == "item 19 (Loss input conventions)"
    assert describe_items((4, 99)) == "items 4 (Inputs connected to outputs), 99"


# --- json ------------------------------------------------------------------------------

POSITION = {
    "type": "object",
    "required": ["line", "character"],
    "additionalProperties": False,
    "properties": {"line": {"type": "integer", "minimum": 0}, "character": {"type": "integer", "minimum": 0}},
}
RANGE = {
    "type": "object",
    "required": ["start", "end"],
    "additionalProperties": False,
    "properties": {"start": POSITION, "end": POSITION},
}
LSP_DIAGNOSTIC = {
    "type": "object",
    "required": ["range", "severity", "code", "codeDescription", "source", "message", "data"],
    "additionalProperties": False,
    "properties": {
        "range": RANGE,
        "severity": {"enum": [1, 2, 3, 4]},
        "code": {"type": "string", "pattern": "^N[NTD][0-9]{3}$"},
        "codeDescription": {
            "type": "object",
            "required": ["href"],
            "properties": {"href": {"type": "string", "format": "uri"}},
        },
        "source": {"const": "nnlint"},
        "message": {"type": "string", "minLength": 1},
        "data": {
            "type": "object",
            "required": ["name", "checklist", "origin", "help", "notes", "fix"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "checklist": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 37}},
                "origin": {"enum": ["check", "trace", "doctor"]},
                "help": {"type": "string"},
                "notes": {"type": "array", "items": {"type": "string"}},
                "fix": {
                    "oneOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "required": ["title", "applicability", "edits"],
                            "additionalProperties": False,
                            "properties": {
                                "title": {"type": "string"},
                                "applicability": {"enum": ["safe", "unsafe", "display-only"]},
                                "edits": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["range", "newText"],
                                        "additionalProperties": False,
                                        "properties": {"range": RANGE, "newText": {"type": "string"}},
                                    },
                                },
                            },
                        },
                    ]
                },
            },
        },
    },
}
REPORT = {
    "type": "object",
    "required": ["version", "files", "errors", "summary"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["uri", "path", "diagnostics"],
                "additionalProperties": False,
                "properties": {
                    "uri": {"type": "string", "pattern": "^file:///"},
                    "path": {"type": "string"},
                    "diagnostics": {"type": "array", "items": LSP_DIAGNOSTIC, "minItems": 1},
                },
            },
        },
        "errors": {"type": "array", "items": {"type": "string"}},
        "summary": {
            "type": "object",
            "required": ["problems", "fixable"],
            "additionalProperties": False,
            "properties": {"problems": {"type": "integer"}, "fixable": {"type": "integer"}},
        },
    },
}


def test_json_report_matches_the_lsp_schema():
    document = json.loads(render("json"))
    jsonschema.validate(document, REPORT)
    assert [(f["path"], [d["code"] for d in f["diagnostics"]]) for f in document["files"]] == [
        ("model.py", ["NT101"]),
        ("train.py", ["NN501", "NN301", "NN102"]),
    ]
    assert document["files"][1]["uri"] == (Path.cwd() / "train.py").as_uri()
    assert document["errors"] == ERRORS
    assert document["summary"] == {"problems": 4, "fixable": 1}


def test_json_counts_characters_in_utf16_units():
    unicode_diagnostic = json.loads(render("json"))["files"][1]["diagnostics"][1]
    assert unicode_diagnostic["range"] == {"start": {"line": 2, "character": 21}, "end": {"line": 2, "character": 32}}
    edit = unicode_diagnostic["data"]["fix"]["edits"][0]
    assert edit == {
        "range": {"start": {"line": 2, "character": 21}, "end": {"line": 2, "character": 24}},
        "newText": "cross_entropy",
    }


def test_json_keeps_code_points_where_the_source_is_unknown():
    no_source = json.loads(render("json"))["files"][0]["diagnostics"][0]
    assert no_source["range"]["start"] == {"line": 9, "character": 4}
    assert no_source["data"]["origin"] == "trace"


def test_to_lsp_is_one_lsp_diagnostic():
    lsp = to_lsp(UNICODE, SOURCE)
    jsonschema.validate(lsp, LSP_DIAGNOSTIC)
    assert lsp["severity"] == 2
    assert lsp["codeDescription"] == {"href": rule_url("NN301")}
    assert lsp["data"]["fix"]["applicability"] == "unsafe"
    assert to_lsp(UNICODE, None)["range"]["start"] == {"line": 2, "character": 20}


@pytest.mark.parametrize(
    ("text", "position", "character"),
    [
        ("a😀b = 1", Position(0, 2), 3),  # outside the BMP: two UTF-16 units
        ("é = 1", Position(0, 1), 1),  # inside the BMP: one unit
        ("x\r\n😀😀y", Position(1, 2), 4),  # CRLF is one line break
        ("x\n", Position(0, 3), 3),  # past the end of the line: the overshoot is kept
        ("x\n", Position(5, 3), 3),  # a line the text does not have: unchanged
        (None, Position(0, 7), 7),
    ],
)
def test_utf16_position(text, position, character):
    assert utf16_position(text, position) == {"line": position.line, "character": character}


def test_source_lines_split_like_python():
    lines = SourceLines("a\fb\nc\r\nd\re\n")
    assert [lines.line(n) for n in range(len(lines))] == ["a\fb", "c", "d", "e"]
    assert lines.line(4) is None


def test_file_uri_is_absolute():
    assert file_uri("some dir/x.py") == (Path.cwd() / "some dir" / "x.py").as_uri()


# --- every format ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_input_order(fmt):
    expected = render(fmt)
    shuffled = DIAGNOSTICS[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert render(fmt, shuffled) == expected


@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_text_formats_report_success_when_empty(fmt):
    assert render(fmt, [], errors=()) == "All checks passed!\n"


def test_json_when_empty():
    assert json.loads(render("json", [], errors=())) == {
        "version": 1,
        "files": [],
        "errors": [],
        "summary": {"problems": 0, "fixable": 0},
    }


def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml")
