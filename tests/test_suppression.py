"""Suppression comments: ``# nnlint: ignore[NN301]``, ``# noqa: NN301``, bare ``# noqa``, ``# nnlint: ignore-file``."""

from __future__ import annotations

import pytest

from nnlint.config import Settings
from nnlint.engine import check_text
from nnlint.suppression import parse_suppressions

HEAD = "import torch.nn as nn\nmodel = nn.Linear(784, 10)\n"
BUG = "loss = nn.NLLLoss()(model(x), y)"  # NN301 on this line


def codes(text: str) -> list[tuple[int, str]]:
    """(1-based line, code) of what the engine reports with all rules on."""
    return [(d.line + 1, d.code) for d in check_text(text, "train.py", Settings(select=("ALL",), ignore=("NN001",))).diagnostics]  # NN001: tests/test_papercuts.py


def test_the_unsuppressed_line_is_reported() -> None:
    assert codes(HEAD + BUG + "\n") == [(3, "NN301")]


@pytest.mark.parametrize(
    "comment",
    [
        "# nnlint: ignore[NN301]",
        "# nnlint: ignore[NN3]",
        "# nnlint: ignore[nn301]",
        "# nnlint: ignore[NN402, NN301]",
        "# nnlint:ignore[NN301]",
        "# nnlint: ignore",
        "# noqa: NN301",
        "# noqa:NN301",
        "# NOQA: NN301",
        "# noqa: E501, NN301",
        "# noqa:NN301,E501",
        "# noqa: NN301 the model ends in LogSoftmax elsewhere",
        "# noqa",
        "# NoQA",
        "# type: ignore  # noqa: NN301",
    ],
)
def test_comment_on_the_line_suppresses(comment: str) -> None:
    assert codes(HEAD + f"{BUG}  {comment}\n") == []


@pytest.mark.parametrize(
    "comment",
    [
        "# nnlint: ignore[NN402]",
        "# nnlint: ignore[NN3011]",
        "# noqa: E501",
        "# noqa: NN402",
        "# this is not a noqa comment",
        "# nnlint: ignore-this",
        "# nnlint ignore[NN301]",
    ],
)
def test_comment_for_other_codes_does_not_suppress(comment: str) -> None:
    assert codes(HEAD + f"{BUG}  {comment}\n") == [(3, "NN301")]


def test_comment_on_another_line_does_not_suppress() -> None:
    assert codes(HEAD + "# noqa: NN301\n" + BUG + "\n# nnlint: ignore[NN301]\n") == [(4, "NN301")]


def test_only_the_commented_line_is_suppressed() -> None:
    text = HEAD + f"{BUG}  # noqa: NN301\n{BUG}\n"
    assert codes(text) == [(4, "NN301")]


def test_multi_line_statement_is_suppressed_on_its_first_line() -> None:
    text = HEAD + "loss = nn.NLLLoss()(  # noqa: NN301\n    model(x),\n    y,\n)\n"
    assert codes(text) == []


@pytest.mark.parametrize(
    "where",
    ["top", "bottom", "after-docstring"],
)
def test_ignore_file(where: str) -> None:
    body = HEAD + BUG + "\n" + BUG.replace("loss", "loss2") + "\n"
    text = {
        "top": "# nnlint: ignore-file\n" + body,
        "bottom": body + "# nnlint: ignore-file\n",
        "after-docstring": '"""Training script."""\n# nnlint: ignore-file\n' + body,
    }[where]
    assert codes(text) == []


@pytest.mark.parametrize(
    "line",
    [
        'note = "# noqa"',
        "note = '# noqa: NN301'",
        'note = "# nnlint: ignore[NN301]"',
        'note = f"{x} # noqa"',
    ],
)
def test_the_same_text_inside_a_string_does_not_suppress(line: str) -> None:
    assert codes(HEAD + f"{BUG}; {line}\n") == [(3, "NN301")]


@pytest.mark.parametrize(
    "text",
    [
        '"""\n# nnlint: ignore-file\n"""\n',
        'HELP = "# nnlint: ignore-file"\n',
        "HELP = '''\n# nnlint: ignore-file\n'''\n",
    ],
    ids=["docstring", "string", "triple-quoted"],
)
def test_ignore_file_inside_a_string_does_not_suppress(text: str) -> None:
    found = codes(text + HEAD + BUG + "\n")
    assert [code for _, code in found] == ["NN301"]


def test_crlf_and_bom_free_text() -> None:
    text = (HEAD + f"{BUG}  # noqa: NN301\n{BUG}\n").replace("\n", "\r\n")
    assert codes(text) == [(4, "NN301")]


def test_parse_suppressions_by_line() -> None:
    text = "a = 1  # noqa\nb = 2  # noqa: NN301, NN4\nc = '# noqa'\nd = 4  # nnlint: ignore[NN101]\n"
    found = parse_suppressions(text)
    assert not found.ignore_file
    assert found.by_line == {0: frozenset({"*"}), 1: frozenset({"NN301", "NN4"}), 3: frozenset({"NN101"})}


def test_parse_suppressions_falls_back_to_lines_when_the_text_does_not_tokenize() -> None:
    found = parse_suppressions("x = (  # noqa: NN301\n")
    assert found.by_line == {0: frozenset({"NN301"})}


def test_a_file_without_any_comment_marker_has_no_suppressions() -> None:
    assert parse_suppressions(HEAD + BUG + "\n").by_line == {}
