"""Torch facts live in ``analysis/torch_api.py``: no other module of the analysis or the rules keeps a table of library names.

A private copy drifts: the loss-function table was once copied three times and
``for b in track(loader)`` was missed where ``tqdm(loader)`` was seen. The test reads
every module-level assignment and fails on one that spells a library's qualified
name; the rules listed in ``NOT_YET_MOVED`` still keep theirs (each to move, none to add).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nnlint
from nnlint.analysis import torch_api

SOURCE = Path(nnlint.__file__).parent
LIBRARIES = ("torch.", "torchvision.", "numpy.", "sklearn.", "tqdm.", "random.")
NOT_YET_MOVED = frozenset((
    "rules/data/inputs_labels_shuffled_apart.py", "rules/implementation/constant_weight_init.py", "rules/implementation/loss_without_graph.py",
    "rules/implementation/nll_loss_without_log_softmax.py",
    "rules/implementation/non_differentiable_loss_term.py", "rules/implementation/sampler_weights_per_class.py", "rules/implementation/tensor_created_off_device.py",
    "rules/preprocessing/fit_before_split.py", "rules/training/threshold_on_wrong_scale.py",
    "rules/training/unguarded_denominator_or_log.py",
))


def _library_tables(path: Path) -> list[int]:
    """Lines of module-level assignments whose value spells a qualified library name."""
    found = []
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        strings = [node.value for node in ast.walk(value) if isinstance(node, ast.Constant) and isinstance(node.value, str)] if value else []
        if any(text.startswith(LIBRARIES) for text in strings):
            found.append(statement.lineno)
    return found


def test_no_module_but_torch_api_keeps_a_table_of_library_names() -> None:
    modules = [*SOURCE.glob("analysis/**/*.py"), *SOURCE.glob("rules/**/*.py")]
    private = {path.relative_to(SOURCE).as_posix(): lines for path in modules if path.name != "torch_api.py" and (lines := _library_tables(path))}
    assert {name: lines for name, lines in private.items() if name not in NOT_YET_MOVED} == {}
    assert sorted(NOT_YET_MOVED - set(private)) == [], "moved: take it off NOT_YET_MOVED"


def test_the_loader_parameters_table_nobody_read_is_gone() -> None:
    assert not hasattr(torch_api, "LOADER_PARAMETERS")
