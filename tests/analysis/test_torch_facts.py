"""Torch facts live in ``analysis/torch_api.py`` (framework facts in ``analysis/frameworks/facts.py``): no other module of the analysis or the rules keeps a table of library names.

A private copy drifts: the loss-function table was once copied three times and
``for b in track(loader)`` was missed where ``tqdm(loader)`` was seen. The test reads
every module-level assignment and fails on one that spells a library's qualified
name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nnlint
from nnlint.analysis import torch_api

SOURCE = Path(nnlint.__file__).parent
LIBRARIES = ("torch.", "torchvision.", "numpy.", "sklearn.", "tqdm.", "random.")
#: the data modules: torch's names, and the frameworks' (Lightning, accelerate, transformers)
FACT_MODULES = frozenset(("analysis/torch_api.py", "analysis/frameworks/facts.py"))


def _library_tables(path: Path) -> list[int]:
    """Lines of module-level assignments whose value spells a qualified library name."""
    found = []
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        strings = [node.value for node in ast.walk(value) if isinstance(node, ast.Constant) and isinstance(node.value, str)] if value else []
        strings += [node.values[0].value for node in ast.walk(value) if isinstance(node, ast.JoinedStr) and node.values  # f"torch.{name}"
                    and isinstance(node.values[0], ast.Constant) and isinstance(node.values[0].value, str)] if value else []
        if any(text.startswith(LIBRARIES) for text in strings):
            found.append(statement.lineno)
    return found


def test_no_module_but_torch_api_keeps_a_table_of_library_names() -> None:
    modules = [*SOURCE.glob("analysis/**/*.py"), *SOURCE.glob("rules/**/*.py")]
    private = {name: lines for path in modules if (name := path.relative_to(SOURCE).as_posix()) not in FACT_MODULES and (lines := _library_tables(path))}
    assert private == {}


def test_the_loader_parameters_table_nobody_read_is_gone() -> None:
    assert not hasattr(torch_api, "LOADER_PARAMETERS")
