"""The static rules about DDP / FSDP training (issue 13): the cases beyond each rule's own examples.

NN105 (a DDP/FSDP model trained from a loader that does not shard), NN421
(``model.module(...)`` as the training forward of a DDP model) and NN101's
``DistributedSampler`` without ``set_epoch`` in the helper-function and
Trainer-class forms.
"""

from __future__ import annotations

import pytest

from nnlint.rules.data.undistributed_loader_for_ddp import UndistributedLoaderForDdp
from nnlint.rules.data.unshuffled_train_loader import UnshuffledTrainLoader
from nnlint.rules.training.ddp_module_forward import DdpModuleForward
from nnlint.testing import check_example

SAMPLER_IN_HELPER = """
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler
    def train_one_epoch(model, loader, optimizer):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    def main(model, train_set, optimizer):
        sampler = DistributedSampler(train_set)
        loader = DataLoader(train_set, batch_size=32, sampler=sampler)
        for epoch in range(10):
            {set_epoch}train_one_epoch(model, loader, optimizer)
"""

SAMPLER_ON_TRAINER = """
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler
    class Trainer:
        def __init__(self, model, train_set):
            self.model = model
            self.sampler = DistributedSampler(train_set)
            self.loader = DataLoader(train_set, batch_size=32, sampler=self.sampler)
        def train_epoch(self):
            for x, y in self.loader:
                loss_fn(self.model(x), y).backward()
        def fit(self, epochs):
            for epoch in range(epochs):
                {set_epoch}self.train_epoch()
"""


@pytest.mark.parametrize(("template", "line", "set_epoch"), [
    (SAMPLER_IN_HELPER, 9, "loader.sampler.set_epoch(epoch); "),
    (SAMPLER_ON_TRAINER, 6, "self.sampler.set_epoch(epoch); "),
], ids=["helper-function", "trainer-class"])
def test_distributed_sampler_without_set_epoch_is_found_through_helpers_and_trainers(template: str, line: int, set_epoch: str) -> None:
    found = check_example(UnshuffledTrainLoader, template.format(set_epoch=""))
    assert [(d.line + 1, d.code) for d in found] == [(line, "NN101")]
    assert "set_epoch" in found[0].message
    assert check_example(UnshuffledTrainLoader, template.format(set_epoch=set_epoch)) == []


DDP_LOADER = """
    import torch
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.utils.data import DataLoader, Dataset, TensorDataset
    from torch.utils.data.distributed import DistributedSampler
    from torchvision.models import resnet18
    {dataset}
    model = DDP(resnet18().cuda())
    loader = DataLoader(train_set, batch_size=64{options})
    {before}
    for x, y in loader:
        loss_fn(model(x), y).backward()
"""


def _ddp_loader(dataset: str = "train_set = TensorDataset(x, y)", options: str = "", before: str = "") -> list[tuple[int, str]]:
    found = check_example(UndistributedLoaderForDdp, DDP_LOADER.format(dataset=dataset, options=options, before=before))
    return [(d.line + 1, d.code) for d in found]


def test_ddp_loader_is_reported_with_the_wrap_as_related_location() -> None:
    found = check_example(UndistributedLoaderForDdp, DDP_LOADER.format(dataset="train_set = TensorDataset(x, y)", options=", shuffle=True", before=""))
    assert [(d.line + 1, d.code) for d in found] == [(8, "NN105")]
    assert "DistributedDataParallel-wrapped" in found[0].message and "has no sampler" in found[0].message
    assert [(r.range.start.line + 1, r.message) for r in found[0].related] == [(7, "the model it trains is wrapped here")]


@pytest.mark.parametrize(("options", "before", "expected"), [
    (", sampler=torch.utils.data.RandomSampler(train_set)", "", [(8, "NN105")]),
    (", sampler=DistributedSampler(train_set)", "", []),
    (", batch_sampler=batches", "", []),
    (", shuffle=True", "unused = DistributedSampler(train_set)", []),
    (", shuffle=True", "other = DistributedSampler(TensorDataset(a, b))", [(8, "NN105")]),
], ids=["random-sampler", "distributed-sampler-inline", "batch-sampler-unknown", "sampler-built-elsewhere-on-it", "sampler-on-another-dataset"])
def test_ddp_loader_sampling(options: str, before: str, expected: list[tuple[int, str]]) -> None:
    assert _ddp_loader(options=options, before=before) == expected


@pytest.mark.parametrize(("dataset", "expected"), [
    ("class Rows(Dataset):\n        def __getitem__(self, i):\n            return i\n    train_set = Rows()", [(11, "NN105")]),
    ("class Rows(Dataset):\n        def __init__(self):\n            self.part = torch.distributed.get_rank()\n"
     "        def __getitem__(self, i):\n            return i\n    train_set = Rows()", []),
    ("train_set = datasets.load_dataset('imdb')", []),
], ids=["project-map-style", "shards-itself-by-rank", "unknown"])
def test_ddp_loader_dataset_must_be_known_map_style(dataset: str, expected: list[tuple[int, str]]) -> None:
    assert _ddp_loader(dataset=dataset) == expected


def test_a_loader_feeding_two_training_loops_is_one_finding() -> None:
    code = DDP_LOADER.format(dataset="train_set = TensorDataset(x, y)", options=", shuffle=True", before="") + """
    for x, y in loader:
        loss_fn(model(x), y).backward()
    """
    assert [(d.line + 1, d.code) for d in check_example(UndistributedLoaderForDdp, code)] == [(8, "NN105")]


def test_fully_shard_counts_as_a_wrap() -> None:
    code = """
        from torch.distributed.fsdp import fully_shard
        from torch.utils.data import DataLoader, TensorDataset
        from torchvision.models import resnet18
        model = resnet18()
        fully_shard(model)
        loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
        for x, y in loader:
            loss_fn(model(x), y).backward()
    """
    assert [(d.line + 1, d.code) for d in check_example(UndistributedLoaderForDdp, code)] == [(6, "NN105")]


MODULE_FORWARD = """
    import torch
    from torch.nn.parallel import DistributedDataParallel
    from torchvision.models import resnet18
    model = DistributedDataParallel(resnet18().cuda())
    for x, y in loader:
        {line}
        loss_fn(model(x), y).backward()
"""


@pytest.mark.parametrize(("line", "expected"), [
    ("out = model.module(x)", [6]),
    ("out = model.module.forward(x)", [6]),
    ("torch.save(model.module.state_dict(), 'ckpt.pt')", []),
    ("print(model.module.fc)", []),
    ("with torch.no_grad(): out = model.module(x)", []),
], ids=["call", "forward", "state-dict", "attribute", "no-grad"])
def test_module_forward_in_a_training_loop(line: str, expected: list[int]) -> None:
    found = check_example(DdpModuleForward, MODULE_FORWARD.format(line=line))
    assert [d.line + 1 for d in found] == expected
    if expected:
        assert [(r.range.start.line + 1, r.message) for r in found[0].related] == [(4, "the model is wrapped in DistributedDataParallel here")]


def test_module_forward_of_a_wrapper_built_from_the_distributed_module_path() -> None:
    code = """
        import torch
        from torchvision.models import resnet18
        model = torch.nn.parallel.distributed.DistributedDataParallel(resnet18())
        for x, y in loader:
            loss_fn(model.module(x), y).backward()
    """
    assert [d.line + 1 for d in check_example(DdpModuleForward, code)] == [5]


def test_module_forward_outside_a_training_path_is_silent() -> None:
    code = """
        from torch.nn.parallel import DistributedDataParallel
        from torchvision.models import resnet18
        model = DistributedDataParallel(resnet18())
        for x, y in val_loader:
            print(model.module(x).argmax(1))
        def predict(x):
            return model.module(x)
    """
    assert check_example(DdpModuleForward, code) == []
