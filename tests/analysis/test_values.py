"""What the semantic model says a name holds at a marked point (``# <-``), flow by flow."""

from __future__ import annotations

from pathlib import Path

from nnlint.analysis.values import UNKNOWN, Constant, Instance, Mapping, Sequence
from tests.analysis.harness import project, value_at


def _qualname(value: object) -> str | None:
    return value.qualname if isinstance(value, Instance) else None


# --- attributes ------------------------------------------------------------------------------------


def test_self_attribute_set_in_init_is_read_in_another_method() -> None:
    value = value_at("""
        import torch.nn as nn
        class Trainer:
            def __init__(self, model, lr=0.1):
                self.model = model
                self.lr = lr
            def step(self, x):
                print(x)  # <-
        trainer = Trainer(nn.Linear(20, 1))
    """, "self.model")
    assert _qualname(value) == "torch.nn.Linear"


def test_two_objects_keep_their_own_attributes() -> None:
    source = """
        import torch.nn as nn
        class Trainer:
            def __init__(self, model):
                self.model = model
        a = Trainer(nn.Linear(20, 1))
        b = Trainer(nn.Conv2d(3, 8, 3))
        print(a, b)  # <-
    """
    assert _qualname(value_at(source, "a.model")) == "torch.nn.Linear"
    assert _qualname(value_at(source, "b.model")) == "torch.nn.Conv2d"


def test_generic_self_is_unknown_when_construction_sites_disagree() -> None:
    assert value_at("""
        import torch.nn as nn
        class Trainer:
            def __init__(self, model):
                self.model = model
            def step(self, x):
                print(x)  # <-
        a = Trainer(nn.Linear(20, 1))
        b = Trainer(nn.Conv2d(3, 8, 3))
    """, "self.model") is UNKNOWN


def test_attribute_assigned_after_construction() -> None:
    source = """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(512, 1000)
        model = Net()
        model.fc = nn.Linear(512, 2)
        print(model)  # <-
    """
    assert _qualname(value_at(source, "model.fc")) == "torch.nn.Linear"
    from nnlint.analysis.syntax import argument
    fc = value_at(source, "model.fc")
    assert isinstance(fc, Instance) and argument(fc.call, 1).value == "2"


def test_attribute_set_in_a_branch_is_unknown_after_it() -> None:
    assert value_at("""
        import torch.nn as nn
        class Holder:
            def __init__(self):
                self.head = nn.Linear(4, 1)
        h = Holder()
        if flag:
            h.head = nn.Linear(4, 2)
        print(h)  # <-
    """, "h.head") is UNKNOWN


def test_method_returns_through_the_class_hierarchy_and_super(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "base.py": """
            import torch.nn as nn
            class Base:
                def __init__(self, width):
                    self.width = width
                    self.head = nn.Linear(width, 1)
                def build(self):
                    return self.head
        """,
        "train.py": """
            from base import Base
            class Child(Base):
                def __init__(self):
                    super().__init__(64)
            child = Child()
            print(child)  # <-
        """,
    }, "train.py")
    assert value_at(info, "child.width") == Constant(64)
    assert _qualname(value_at(info, "child.build()")) == "torch.nn.Linear"


def test_dataclass_defaults_and_constructor_arguments() -> None:
    source = """
        from dataclasses import dataclass
        @dataclass
        class Config:
            lr: float = 1.0
            batch_size: int = 32
        cfg = Config(batch_size=64)
        print(cfg)  # <-
    """
    assert value_at(source, "cfg.lr") == Constant(1.0)
    assert value_at(source, "cfg.batch_size") == Constant(64)


# --- containers ------------------------------------------------------------------------------------


def test_tuple_unpacking_of_a_helper_return() -> None:
    source = """
        from torch.utils.data import DataLoader
        def loaders():
            return DataLoader(a, batch_size=8), DataLoader(b)
        train, val = loaders()
        print(train)  # <-
    """
    train = value_at(source, "train")
    assert _qualname(train) == "torch.utils.data.DataLoader" and train.call is not None


def test_dicts_keys_get_merge_update_and_dict_call() -> None:
    source = """
        base = {"batch_size": 64, "shuffle": False}
        merged = {**base, "shuffle": True}
        made = dict(base, num_workers=2)
        updated = dict(batch_size=8)
        updated.update({"shuffle": True})
        print(base)  # <-
    """
    assert value_at(source, 'base["batch_size"]') == Constant(64)
    assert value_at(source, 'merged["shuffle"]') == Constant(True)
    assert value_at(source, 'base.get("lr", 0.1)') == Constant(0.1)
    assert value_at(source, 'made["num_workers"]') == Constant(2)
    assert value_at(source, 'updated["shuffle"]') == Constant(True)


def test_a_key_set_on_one_branch_is_unknown() -> None:
    value = value_at("""
        kwargs = {"batch_size": 64}
        if use_cuda:
            kwargs.update({"shuffle": True})
        print(kwargs)  # <-
    """, "kwargs")
    assert isinstance(value, Mapping) and value.get("batch_size") == Constant(64) and value.get("shuffle") is UNKNOWN


def test_kwargs_at_a_call_site_reach_the_constructor() -> None:
    loader = value_at("""
        from torch.utils.data import DataLoader
        train_kwargs = {"batch_size": 64}
        loader = DataLoader(dataset, **train_kwargs)
        print(loader)  # <-
    """, "loader")
    assert isinstance(loader, Instance) and loader.arguments is not None
    assert loader.arguments.get(1, "batch_size") == Constant(64)
    assert loader.arguments.get(2, "shuffle") is None  # known not to be passed


# --- functions -------------------------------------------------------------------------------------


def test_call_site_binding_of_defaults_star_args_and_kwargs() -> None:
    source = """
        def make(a, b=2, *rest, scale=3, **options):
            return (a, b, rest, scale, options)
        result = make(1, 5, 6, 7, flag=True)
        print(result)  # <-
    """
    value = value_at(source, "result")
    assert isinstance(value, Sequence)
    a, b, rest, scale, options = value.items
    assert (a, b, scale) == (Constant(1), Constant(5), Constant(3))
    assert rest == Sequence((Constant(6), Constant(7)))
    assert isinstance(options, Mapping) and options.get("flag") == Constant(True)


def test_return_values_across_files(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "data.py": """
            from torch.utils.data import DataLoader
            def build(ds, cfg):
                return DataLoader(ds, batch_size=cfg["bs"]), None
        """,
        "train.py": """
            from data import build
            loader, _ = build(dataset, {"bs": 16})
            print(loader)  # <-
        """,
    }, "train.py")
    loader = value_at(info, "loader")
    assert isinstance(loader, Instance) and loader.arguments.get(1, "batch_size") == Constant(16)


# --- configuration ---------------------------------------------------------------------------------


def test_argparse_defaults_are_overridable_constants() -> None:
    source = """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=1.0)
        parser.add_argument("--batch-size", type=int, default="64")
        parser.add_argument("--amp", action="store_true")
        args = parser.parse_args()
        def main(args):
            print(args)  # <-
        main(args)
    """
    lr = value_at(source, "args.lr")
    assert lr == Constant(1.0) and isinstance(lr, Constant) and lr.overridable
    assert value_at(source, "args.batch_size") == Constant(64)
    assert value_at(source, "args.amp") == Constant(False)
    assert value_at(source, 'vars(args)["lr"]') == Constant(1.0)


def test_module_constants_config_dicts_and_environment() -> None:
    source = """
        import os
        LR = 0.25
        CONFIG = {"optim": {"lr": LR * 2}}
        workers = int(os.environ.get("WORKERS", "4"))
        def train():
            print(CONFIG)  # <-
    """
    assert value_at(source, 'CONFIG["optim"]["lr"]') == Constant(0.5)
    assert value_at(source, 'os.environ.get("WORKERS", "4")') == Constant("4")
    assert value_at(source, 'getattr(os, "sep")') is UNKNOWN


def test_a_list_grown_in_a_loop_stays_a_plain_list() -> None:
    value = value_at("""
        layers = []
        for _ in range(depth):
            layers = layers + [Block()]
            layers += [Block()]
        print(layers)  # <-
    """, "layers")
    assert isinstance(value, Sequence) and not value.complete


# --- names by string -------------------------------------------------------------------------------


def test_registries_getattr_and_module_dict() -> None:
    from nnlint.analysis.values import Choice, ClassRef

    source = """
        import torch.nn as nn
        import torchvision.models as models
        LOSSES = {"nll": nn.NLLLoss, "ce": nn.CrossEntropyLoss}
        by_default = LOSSES[args_loss]()
        named = getattr(nn, "MSELoss")()
        model = models.__dict__["resnet18"]()
        print(model)  # <-
    """
    picked = value_at(source, "by_default")
    assert isinstance(picked, Choice) and {_qualname(o) for o in picked.options} == {"torch.nn.NLLLoss", "torch.nn.CrossEntropyLoss"}
    assert _qualname(value_at(source, "named")) == "torch.nn.MSELoss"
    assert _qualname(value_at(source, "model")) == "torchvision.models.resnet18"
    assert value_at(source, 'LOSSES["nll"]') == ClassRef("torch.nn.NLLLoss")
    assert value_at(source, "getattr(nn, loss_name)") is UNKNOWN


def test_what_init_builds_is_known_even_when_the_class_is_constructed_elsewhere() -> None:
    value = value_at("""
        from torch.utils.data import DataLoader
        class Trainer:
            def __init__(self, model, train_set, batch_size=64):
                self.model = model
                self.train_loader = DataLoader(train_set, batch_size=batch_size, num_workers=2)
            def run_epoch(self):
                print(self)  # <-
    """, "self.train_loader")
    assert isinstance(value, Instance) and value.arguments.get(2, "shuffle") is None
    assert value.arguments.get(3, "num_workers") == Constant(2)


def test_constants_and_lists_remember_the_literal_that_made_them() -> None:
    source = """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=10.0)
        args = parser.parse_args()
        layers = []
        layers.append(1)
        print(args)  # <-
    """
    lr, layers = value_at(source, "args.lr"), value_at(source, "layers")
    assert isinstance(lr, Constant) and getattr(lr.origin, "value", None) == "10.0"
    assert isinstance(layers, Sequence) and layers.origin is not None and not layers.complete


def test_the_evaluation_path_chosen_by_a_flag() -> None:
    from nnlint.analysis.env import Env
    from nnlint.analysis.interpreter import interpreter_for
    from nnlint.analysis.values import Mode
    from tests.analysis.harness import marked_statement, module

    info = module("""
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5))
        def run_epoch(model, split):
            is_train = split == "train"
            model.train(is_train)
            if is_train:
                return "trained"
            return "evaluated"
        result = run_epoch(model, "test")
        print(result)  # <-
    """)
    scope, statement = marked_statement(info)
    interpreter = interpreter_for(info)
    env = interpreter.env_before(statement, scope)
    import libcst as cst
    assert interpreter.value(cst.parse_expression("result"), env) == Constant("evaluated")
    model = interpreter.value(cst.parse_expression("model"), env)
    assert env.modes[model] == frozenset({Mode.EVAL})


# --- generators ------------------------------------------------------------------------------------


def test_a_generator_over_a_loader_yields_the_loaders_batches() -> None:
    source = """
        from torch.utils.data import DataLoader
        def on_device(loader):
            for x, y in loader:
                yield x.cuda(), y.cuda()
        def chained(loader):
            yield from loader
        def mixed(a, b):
            for batch in a:
                yield batch
            for batch in b:
                yield batch
        train_loader = DataLoader(train_set, batch_size=8)
        print(train_loader)  # <-
    """
    assert _qualname(value_at(source, "on_device(train_loader)")) == "torch.utils.data.DataLoader"
    assert _qualname(value_at(source, "chained(train_loader)")) == "torch.utils.data.DataLoader"
    assert value_at(source, "mixed(train_loader, DataLoader(other))") is UNKNOWN


def test_dataclass_field_defaults_and_default_factories(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "config.py": """
            from dataclasses import dataclass, field
            @dataclass
            class Optim:
                lr: float = field(default=0.3)
                betas: tuple = field(default_factory=lambda: (0.9, 0.99))
            @dataclass
            class Config:
                optim: Optim = field(default_factory=Optim)
                loader: dict = field(default_factory=lambda: {"shuffle": False})
                other: list = field(default_factory=list)
                plain: int = 3
        """,
        "train.py": """
            from config import Config
            cfg = Config()
            print(cfg)  # <-
        """,
    }, "train.py")
    lr = value_at(info, "cfg.optim.lr")
    assert lr == Constant(0.3) and isinstance(lr, Constant) and lr.origin is not None
    assert value_at(info, "cfg.optim.betas") == Sequence((Constant(0.9), Constant(0.99)))
    loader = value_at(info, "cfg.loader")
    assert isinstance(loader, Mapping) and loader.get("shuffle") == Constant(False)
    assert value_at(info, "cfg.other") is UNKNOWN
    assert value_at(info, "cfg.plain") == Constant(3)


def test_simple_namespace_attributes_are_its_keywords() -> None:
    source = """
        from types import SimpleNamespace
        hp = SimpleNamespace(lr=2.0, shuffle=False, **{"p": 0.5})
        hp.shuffle = True
        print(hp)  # <-
    """
    assert value_at(source, "hp.lr") == Constant(2.0)
    assert value_at(source, "hp.p") == Constant(0.5)
    assert value_at(source, "hp.shuffle") == Constant(True)
    assert value_at(source, "hp.missing") is UNKNOWN
    assert value_at(source, 'vars(hp)["lr"]') == Constant(2.0)
