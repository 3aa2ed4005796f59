"""PyTorch Lightning as the semantic model sees it: which class is a LightningModule, which hook runs
how, what ``self.optimizers()`` returns and which schedulers ``configure_optimizers`` gives at which interval."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.frameworks import lightning
from nnlint.analysis.values import Instance, Sequence
from tests.analysis.harness import module, value_at

_MODULE = """
    import pytorch_lightning as pl
    import torch
    from torch.optim.lr_scheduler import OneCycleLR, StepLR
    class Base(pl.LightningModule):
        pass
    class GAN(Base):
        def __init__(self):
            super().__init__()
            self.automatic_optimization = False
        def training_step(self, batch, batch_idx):
            opt_g, opt_d = self.optimizers()
            print(opt_g)  # <-
        def validation_step(self, batch, batch_idx):
            pass
        def configure_optimizers(self):
            g = torch.optim.Adam(self.parameters(), lr=1e-3)
            d = torch.optim.SGD(self.parameters(), lr=1e-2)
            return [g, d], [OneCycleLR(g, max_lr=0.1, total_steps=100), {"scheduler": StepLR(d, 5), "interval": "step"}]
    class Plain:
        def validation_step(self, batch):
            pass
"""


def _function(info, cls: str, name: str) -> cst.FunctionDef:
    return info.classes[cls].methods[name].node


def test_a_subclass_of_a_project_lightning_module_is_one() -> None:
    info = module(_MODULE)
    assert lightning.is_lightning_class(info.classes["GAN"])
    assert not lightning.is_lightning_class(info.classes["Plain"])


def test_evaluation_hooks_only_on_lightning_modules() -> None:
    info = module(_MODULE)
    assert lightning.is_evaluation_hook(_function(info, "GAN", "validation_step"), info)
    assert not lightning.is_evaluation_hook(_function(info, "GAN", "training_step"), info)
    assert not lightning.is_evaluation_hook(_function(info, "Plain", "validation_step"), info)


def test_manual_optimisation_is_read_from_init() -> None:
    info = module(_MODULE)
    assert lightning.automatic_optimization(info.classes["GAN"]) is False
    assert lightning.automatic_optimization(info.classes["Base"]) is True
    assert lightning.automatic_training_step(_function(info, "GAN", "training_step"), info) is None


def test_self_optimizers_unpacks_to_what_configure_optimizers_returns() -> None:
    found = value_at(_MODULE, "(opt_g, opt_d)")
    assert isinstance(found, Sequence)
    assert [item.qualname for item in found.items if isinstance(item, Instance)] == ["torch.optim.Adam", "torch.optim.SGD"]


def test_returns_are_the_hook_s_return_statements() -> None:
    info = module(_MODULE)
    (statement, returned), = lightning.returns(_function(info, "GAN", "configure_optimizers"))
    assert isinstance(returned, cst.Return) and isinstance(statement, cst.SimpleStatementLine)


def test_scheduler_configs_of_the_tuple_of_lists_form() -> None:
    marked = _MODULE.replace("            return [g, d]", "            print(1)  # <-\n            return [g, d]")
    found = value_at(marked, "[g, d], [OneCycleLR(g, max_lr=0.1, total_steps=100), {'scheduler': StepLR(d, 5), 'interval': 'step'}]")
    configs = lightning.scheduler_configs(found)
    assert [(c.scheduler.qualname.rsplit(".", 1)[-1], c.interval) for c in configs] == [("OneCycleLR", "epoch"), ("StepLR", "step")]


def test_dict_forms_and_unknown_intervals() -> None:
    source = """
        import torch
        def f(optimizer, interval):
            sched = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.9)
            print(1)  # <-
    """
    one = lightning.scheduler_configs(value_at(source, "{'optimizer': optimizer, 'lr_scheduler': sched}"))
    assert [c.interval for c in one] == ["epoch"]
    assert lightning.scheduler_configs(value_at(source, "{'optimizer': optimizer, 'lr_scheduler': {'scheduler': sched, 'interval': interval}}")) == []
    listed = lightning.scheduler_configs(value_at(source, "[{'optimizer': optimizer, 'lr_scheduler': {'scheduler': sched, 'interval': 'step'}}]"))
    assert [c.interval for c in listed] == ["step"]
