"""The static half on valid code that is unusual in shape: deep nesting and very long expressions.

Python accepts these files, so nnlint either checks them (deep nesting, on a big
stack: ``nnlint.deep_stack``) or says in one line why it could not (a limit of
LibCST's parser): never a traceback, never "internal error", never NN000.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import nnlint
from nnlint import deep_stack, engine, parsing
from nnlint.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
NESTINGS = {
    "call": ("f(", "x", ")"),
    "list": ("[", "x", "]"),
    "dict": ("{'a': ", "x", "}"),
}


def nested(kind: str, depth: int) -> str:
    opening, inner, closing = NESTINGS[kind]
    return opening * depth + inner + closing * depth


def demo_with(expression: str) -> str:
    """The demo's train.py (four findings) with ``expression`` inside a reported statement and beside two others."""
    text = (DEMO / "train.py").read_text(encoding="utf-8")
    for old, new in (
        ("loss = criterion(model(images), targets)", f"loss = criterion(model(images), targets) + 0 * len({expression})"),
        ("    scaler = StandardScaler()", f"    scaler = StandardScaler()\n    unused = {expression}"),
        ("batch_size=batch_size)", f"batch_size=batch_size, collate_fn={expression})"),
    ):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DEMO / "model.py", tmp_path / "model.py")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """Exit code, finding codes, error lines."""
    code = main(["check", "--no-cache", "--format", "concise", "-j", "1", *args])
    out = capsys.readouterr().out.splitlines()
    return code, [line.split(" ")[1] for line in out if ": NN" in line], [line for line in out if line.startswith("error:")]


def test_the_demo_has_four_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "train.py").write_text(demo_with("x"), encoding="utf-8")
    assert check(capsys, "train.py") == (1, ["NN402", "NN201", "NN101", "NN301"], [])


@pytest.mark.parametrize(("kind", "depth"), [("call", 150), ("call", 199), ("list", 199), ("dict", 199)])
def test_valid_deep_nesting_is_checked(project: Path, capsys: pytest.CaptureFixture[str], kind: str, depth: int) -> None:
    (project / "train.py").write_text(demo_with(nested(kind, depth)), encoding="utf-8")
    assert check(capsys, "train.py") == (1, ["NN402", "NN201", "NN101", "NN301"], [])


#: Chains nest without brackets, so Python takes them far deeper than 200 (all were "internal error").
CHAINS = {"subscripts": "x" + "[0]" * 800, "attributes": "x" + ".a" * 800, "additions": "x" + " + x" * 800, "negations": "-" * 400 + "x"}


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_valid_long_chains_are_checked(project: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    (project / "train.py").write_text(demo_with(CHAINS[kind]), encoding="utf-8")
    assert check(capsys, "train.py") == (1, ["NN402", "NN201", "NN101", "NN301"], [])


def test_the_python_api_checks_deep_nesting_too() -> None:
    plain = nnlint.check_source(demo_with("x"))
    deep = nnlint.check_source(demo_with(nested("dict", 199)))
    assert [d.code for d in deep] == [d.code for d in plain] != []


def test_deeper_than_the_deep_stack_is_one_line(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deep_stack, "RECURSION_LIMIT", 0)  # the process's own limit, as before the deep stack
    (project / "train.py").write_text(demo_with(nested("call", 199)), encoding="utf-8")
    assert check(capsys, "train.py") == (2, [], ["error: train.py: too deeply nested to check; not checked"])
    assert nnlint.check_source(demo_with(nested("call", 199))) == []  # no exception from the API either


def test_the_recursion_limit_is_restored_after_a_check(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    before = sys.getrecursionlimit()
    (project / "train.py").write_text(demo_with(nested("list", 150)), encoding="utf-8")
    check(capsys, "train.py")
    assert sys.getrecursionlimit() == before


def adjacent_strings(count: int) -> str:
    return "import torch\nx = (\n" + "".join(f"    'part {i}'\n" for i in range(count)) + ")\nloss.backward()\n"


def test_code_libcst_cannot_parse_is_not_a_syntax_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20,000 adjacent string literals: Python parses them, LibCST's parser does not."""
    (project / "strings.py").write_text(adjacent_strings(20_000), encoding="utf-8")
    code, codes, errors = check(capsys, "strings.py")
    assert (code, codes, len(errors)) == (2, [], 1)
    assert errors[0].startswith("error: strings.py: could not be checked: LibCST, the parser nnlint uses, rejects this valid Python (")
    assert errors[0].endswith("); not checked")
    api_result = nnlint.check_source(adjacent_strings(20_000))
    assert api_result == [] and len(api_result.errors) == 1 and "could not be checked" in api_result.errors[0]


def test_the_python_api_says_which_files_were_not_checked(project: Path) -> None:
    """An unchecked file is no finding but no pass either: ``errors`` names it and the repr never says all passed."""
    (project / "strings.py").write_text(adjacent_strings(20_000), encoding="utf-8")
    (project / "fine.py").write_text("x = 1\n", encoding="utf-8")
    result = nnlint.check_paths([str(project)])
    assert result == [] and [line.split(": could not be checked")[0].endswith("strings.py") for line in result.errors] == [True]
    assert "All checks passed" not in result._repr_html_() and "could not be checked" in result._repr_html_()
    assert "could not be checked" in str(result.__rich__())
    assert "All checks passed" in nnlint.check_paths([str(project / "fine.py")])._repr_html_()


def test_the_time_limit_stops_a_check_running_on_the_deep_stack(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alarm fires in the main thread; the check's own thread must stop too, not run on beside the next file."""
    ran_to_the_end: list[str] = []
    original = engine._check_tree

    def slow_check_tree(result: engine.FileResult, *args: object) -> engine.FileResult:
        if result.path.endswith("slow.py"):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # Python bytecode, like an analysis that blows up
                pass
            ran_to_the_end.append(result.path)
        return original(result, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_check_tree", slow_check_tree)
    small = "import torch.nn as nn\nmodel = nn.Linear(784, 10)\ncriterion = nn.NLLLoss()\nloss = criterion(model(x), y)\n"
    (project / "slow.py").write_text(small, encoding="utf-8")
    (project / "train.py").write_text(small, encoding="utf-8")  # small: checked well within the limit on a busy machine
    code, codes, errors = check(capsys, "--max-file-time", "3", "slow.py", "train.py")
    assert errors == ["error: slow.py: took longer than 3 s to check; not checked "
                      "(raise the limit with --max-file-time; please report the file)"]
    assert (code, codes, ran_to_the_end) == (2, ["NN301"], [])


def test_python_s_own_refusal_without_a_message_still_says_why(project: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11's parser gives up on ~200 nested lambdas with a bare MemoryError: the line said 'MemoryError: )'."""
    def refuse(text: str) -> None:
        raise MemoryError

    monkeypatch.setattr(parsing, "parse_quietly", refuse)
    (project / "train.py").write_text(demo_with("x"), encoding="utf-8")
    assert check(capsys, "train.py") == (2, [], ["error: train.py: cannot parse (MemoryError: too deeply nested); not checked"])
