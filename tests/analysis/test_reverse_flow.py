"""Reverse flow across files: what other project files pass to this file's functions and classes."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from nnlint.analysis.callers import importers
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.values import UNKNOWN, Constant, Instance
from tests.analysis.harness import project, value_at

_TRAINER = """
    class Trainer:
        def __init__(self, model, train_data, optimizer, epochs=3):
            self.model = model
            self.train_data = train_data
            self.optimizer = optimizer
            self.epochs = epochs
        def _run_batch(self, x, y):
            print(x, y)  # <-
"""


def _qualname(value: object) -> str | None:
    return value.qualname if isinstance(value, Instance) else None


def test_constructor_arguments_from_another_file_reach_self(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "trainer.py": _TRAINER,
        "data.py": """
            from torch.utils.data import DataLoader
            def make_loaders(train_set, val_set):
                return DataLoader(train_set, batch_size=64), DataLoader(val_set)
        """,
        "train.py": """
            import torch
            import torch.nn as nn
            from data import make_loaders
            from trainer import Trainer
            def main():
                train_loader, val_loader = make_loaders(a, b)
                model = nn.Linear(20, 1)
                Trainer(model, train_loader, torch.optim.Adam(model.parameters()), epochs=5)
        """,
    }, "trainer.py")
    assert _qualname(value_at(info, "self.model")) == "torch.nn.Linear"
    loader = value_at(info, "self.train_data")
    assert _qualname(loader) == "torch.utils.data.DataLoader" and loader.module_key == "data"
    assert loader.arguments.get(1, "batch_size") == Constant(64)
    assert _qualname(value_at(info, "self.optimizer")) == "torch.optim.Adam"
    assert value_at(info, "self.epochs") == Constant(5)


def test_a_module_import_and_an_attribute_call_count_too(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "trainer.py": _TRAINER,
        "train.py": """
            import torch.nn as nn
            import trainer
            trainer.Trainer(nn.Conv2d(3, 8, 3), None, None)
        """,
    }, "trainer.py")
    assert _qualname(value_at(info, "self.model")) == "torch.nn.Conv2d"


def test_files_that_disagree_leave_the_value_unknown(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "trainer.py": _TRAINER,
        "a.py": "import torch.nn as nn\nfrom trainer import Trainer\nTrainer(nn.Linear(2, 1), None, None)\n",
        "b.py": "import torch.nn as nn\nfrom trainer import Trainer\nTrainer(nn.Conv2d(3, 8, 3), None, None)\n",
    }, "trainer.py")
    assert value_at(info, "self.model") is UNKNOWN


def test_function_parameters_take_what_callers_in_other_files_pass(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "engine.py": """
            def evaluate(model, loader, device="cpu"):
                print(model)  # <-
        """,
        "train.py": """
            import torch.nn as nn
            from engine import evaluate as run_eval
            run_eval(nn.Linear(4, 2), None, device="cuda")
        """,
    }, "engine.py")
    assert _qualname(value_at(info, "model")) == "torch.nn.Linear"
    assert value_at(info, "device") == Constant("cuda")


def test_a_file_that_only_mentions_the_name_is_not_an_importer(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "engine.py": "def evaluate(model):\n    print(model)  # <-\n",
        "notes.py": "# engine evaluate\nfrom other import evaluate\nevaluate(1)\n",
        "train.py": "from engine import evaluate\nevaluate(2)\n",
    }, "engine.py")
    assert [module.key for module in importers(info, "evaluate")] == ["train"]
    assert value_at(info, "model") == Constant(2)


def test_an_importer_is_a_dependency_of_the_result_cache(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "engine.py": "def evaluate(model):\n    print(model)  # <-\n",
        "train.py": "from engine import evaluate\nevaluate(2)\n",
    }, "engine.py")
    value_at(info, "model")
    assert info.path is not None
    assert (info.path.resolve(), "train", (tmp_path / "train.py").resolve()) in info.project.imports_read(info.path)


def test_loops_in_other_files_over_a_loader_built_here(tmp_path: Path) -> None:
    from nnlint.analysis.consumers import loops_over
    from nnlint.analysis.interpreter import interpreter_for
    info = project(tmp_path, {
        "data.py": """
            from torch.utils.data import DataLoader
            def make_loaders(train_set, val_set):
                train = DataLoader(train_set, batch_size=64)
                return train, DataLoader(val_set)
        """,
        "trainer.py": """
            from tqdm import tqdm
            class Trainer:
                def __init__(self, loader):
                    self.loader = loader
                def fit(self):
                    for x, y in tqdm(self.loader):
                        step(x, y)
        """,
        "train.py": """
            from data import make_loaders
            from trainer import Trainer
            def main():
                train_loader, val_loader = make_loaders(a, b)
                Trainer(train_loader).fit()
                for x, y in val_loader:
                    print(x)
            if __name__ == "__main__":
                main()
        """,
    }, "data.py")
    interpreter = interpreter_for(info)
    function = info.functions["make_loaders"].node
    calls = [call for _, _, call in info.calls.by_call.values() if interpreter.module.qualify(call.func) == "torch.utils.data.DataLoader"]
    train, val = (interpreter.value(call, interpreter.env_before(statement, function))
                  for call, statement in zip(calls, [function.body.body[0], function.body.body[1]]))
    assert [(module.key, type(loop).__name__) for module, loop in loops_over(info, train)] == [("trainer", "For")]
    assert [module.key for module, _ in loops_over(info, val)] == ["train"]


_DATA = """
    from torch.utils.data import DataLoader
    def make_loaders(train_set, val_set):
        train_loader = DataLoader(train_set, batch_size=64{shuffle})
        val_loader = DataLoader(val_set, batch_size=64)
        return train_loader, val_loader
"""
_ENGINE = """
    class Trainer:
        def __init__(self, model, loader):
            self.model = model
            self.loader = loader
        def fit(self, loss_fn):
            for x, y in self.loader:
                loss_fn(self.model(x), y).{call}()
"""
_TRAIN = """
    from data import make_loaders
    from engine import Trainer
    def main():
        train_loader, val_loader = make_loaders(a, b)
        Trainer(model, train_loader).fit(loss_fn)
        for x, y in val_loader:
            print(model(x))
    if __name__ == "__main__":
        main()
"""


def _unshuffled(tmp_path: Path, shuffle: str = "", call: str = "backward") -> list[tuple[str, int]]:
    import textwrap

    from nnlint.api import check_paths
    (tmp_path / "pyproject.toml").write_text("")
    for name, source in (("data.py", _DATA.format(shuffle=shuffle)), ("engine.py", _ENGINE.format(call=call)), ("train.py", _TRAIN)):
        (tmp_path / name).write_text(textwrap.dedent(source))
    found = check_paths([str(tmp_path)])
    return sorted((Path(d.path).name, d.range.start.line + 1) for d in found if d.code == "NN101")


def test_nn101_lands_on_the_loader_whose_training_loop_is_in_another_file(tmp_path: Path) -> None:
    assert _unshuffled(tmp_path) == [("data.py", 4)]


def test_nn101_is_silent_when_the_loader_shuffles(tmp_path: Path) -> None:
    assert _unshuffled(tmp_path, shuffle=", shuffle=True") == []


def test_nn101_is_silent_when_the_loop_in_the_other_file_does_not_train(tmp_path: Path) -> None:
    assert _unshuffled(tmp_path, call="detach") == []


def test_a_method_starts_in_the_modes_its_callers_leave_held_models_in(tmp_path: Path) -> None:
    from nnlint.analysis.values import Mode
    from tests.analysis.harness import marked_statement
    info = project(tmp_path, {
        "engine.py": """
            class Evaluator:
                def __init__(self, model):
                    self.model = model
                def run(self):
                    print(self.model)  # <-
        """,
        "train.py": """
            import torch.nn as nn
            from engine import Evaluator
            class Trainer:
                def __init__(self, model):
                    self.model = model
                def epoch(self):
                    self.model.train()
            model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1))
            trainer = Trainer(model)
            evaluator = Evaluator(model)
            trainer.epoch()
            evaluator.run()
        """,
    }, "engine.py")
    interpreter = interpreter_for(info)
    scope, statement = marked_statement(info)
    env = interpreter.env_before(statement, scope)
    model = interpreter.value(cst.parse_expression("self.model"), env)
    assert isinstance(model, Instance) and env.modes.get(model) == frozenset({Mode.TRAIN})
