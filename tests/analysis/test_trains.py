"""One predicate for "does this loop train?" (``training.trains``)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.training import trains
from tests.analysis.harness import module, project


def _loops(info) -> list[cst.For]:
    return [s for s in syntax.walk_statements(_all(info.module)) if isinstance(s, cst.For)]


def _all(tree: cst.Module) -> list[cst.BaseStatement]:
    found, pending = [], list(tree.body)
    while pending:
        statement = pending.pop(0)
        found.append(statement)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            pending.extend(syntax.body_statements(statement))
    return found


def test_a_method_that_runs_backward_trains() -> None:
    info = module("""
        class Trainer:
            def step(self, x, y):
                self.loss(x, y).backward()
        def fit(trainer, loader):
            for x, y in loader:
                trainer.step(x, y)
        def check(model, loader):
            for x, y in loader:
                print(model(x))
    """)
    loops = _loops(info)
    assert [trains(loop.body, info) for loop in loops] == [True, False]


def test_a_method_of_a_class_in_another_file_trains(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "engine.py": """
            class Trainer:
                def step(self, batch):
                    self.inner(batch)
                def inner(self, batch):
                    self.criterion(batch).backward()
        """,
        "train.py": """
            from engine import Trainer
            trainer = Trainer()
            for batch in loader:
                trainer.step(batch)
            for batch in loader:
                trainer.evaluate(batch)
        """,
    }, "train.py")
    loops = _loops(info)
    assert [trains(loop.body, info) for loop in loops] == [True, False]
