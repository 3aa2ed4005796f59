from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.frameworks import accelerate
from nnlint.analysis.objects import find_method
from nnlint.analysis.torch_api import (
    DISTRIBUTED_SAMPLERS,
    DISTRIBUTED_STATE_PREFIX,
    DISTRIBUTED_WRAPPERS,
    LOADER_POSITIONS,
    LOADERS,
    MAP_STYLE_DATASET_PREFIXES,
    MAP_STYLE_DATASETS,
    UNSHARDED_SAMPLERS,
)
from nnlint.analysis.training import trains
from nnlint.analysis.values import UNKNOWN, Constant, Instance, Value, candidates, short
from nnlint.analysis.wrappers import unwrap_iteration, wrapped_by
from nnlint.rule import Because, Invalid, Rule, Valid

# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, ...)
_DATASET, _SAMPLER, _BATCH_SAMPLER = (LOADER_POSITIONS[name] for name in ("dataset", "sampler", "batch_sampler"))


@dataclass(frozen=True)
class _Feed:
    """A loader that feeds a training loop, and every object the loop's calls use (its model among them)."""

    loader: Instance
    sampler: str  # how its sampling fails to shard, for the message
    loop: cst.For
    used: tuple[Value, ...]


class UndistributedLoaderForDdp(Rule):
    """A model wrapped in DDP or FSDP trains from a DataLoader that gives every rank the whole dataset.

    ## What it does
    Reports the `DataLoader(...)` that feeds a training loop (its batches reach
    `backward()`) of a model wrapped in `DistributedDataParallel` or
    `FullyShardedDataParallel`, when the loader has no `sampler` (`shuffle=True`
    or not) or a sampler that does not shard (`RandomSampler`,
    `WeightedRandomSampler`, ...), and no other sharding is visible: no
    `DistributedSampler` built over its dataset, no `batch_sampler`, a map-style
    dataset. Loaders that come back from `accelerator.prepare(...)` (which
    shards them) or whose dataset is an `IterableDataset` or unknown are not
    reported. The finding names the line that wraps the model.

    ## Why is this bad?
    Each of the N processes draws from the whole dataset: with `shuffle=True`
    each rank sees every sample in its own order, without it every rank trains
    on the same batches. An epoch costs N times the work for the data of one
    process, the gradients DDP averages come from overlapping batches, and the
    effective batch size and learning-rate scaling are not what the script
    assumes (checklist items 7 and 10).

    ## Example
    ```python
    model = DistributedDataParallel(resnet18().to(rank), device_ids=[rank])
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    for epoch in range(epochs):
        for x, y in loader:
            loss_fn(model(x), y).backward()
    ```

    ## Use instead
    ```python
    sampler = DistributedSampler(train_set, shuffle=True)
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            loss_fn(model(x), y).backward()
    ```
    """

    code = "NN105"
    name = "undistributed-loader-for-ddp"
    checklist = (7, 10)
    message = "this DataLoader feeds the training of a {wrapper}-wrapped model but {sampler}: every rank trains on the whole dataset"
    help = "pass sampler=DistributedSampler(dataset) (and call sampler.set_epoch(epoch) every epoch) to the training DataLoader"
    requires_text = ("DataParallel", "fully_shard")

    valid = [
        Valid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel as DDP
            from torch.utils.data import DataLoader, DistributedSampler
            from torchvision.datasets import CIFAR10
            train_set = CIFAR10("data", train=True)
            model = DDP(resnet18().cuda(), device_ids=[rank])
            sampler = DistributedSampler(train_set)
            loader = DataLoader(train_set, batch_size=64, sampler=sampler)
            for epoch in range(10):
                sampler.set_epoch(epoch)
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """, why="the DistributedSampler is given as a variable"),
        Valid("""
            from torchvision.models import resnet18
            import torch.distributed as dist
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
            train_set, val_set = TensorDataset(x, y), TensorDataset(vx, vy)
            model = DistributedDataParallel(resnet18().cuda())
            sampler = DistributedSampler(train_set)
            train_loader = DataLoader(train_set, batch_size=64, sampler=sampler)
            val_loader = DataLoader(val_set, batch_size=256)
            for epoch in range(10):
                sampler.set_epoch(epoch)
                for x, y in train_loader:
                    loss_fn(model(x), y).backward()
                if dist.get_rank() == 0:
                    for x, y in val_loader:
                        print(model(x))
        """, why="the loader without a sampler only evaluates, on rank 0"),
        Valid("""
            from torchvision.models import resnet18
            from torch.utils.data import DataLoader, TensorDataset
            model = resnet18().cuda()
            loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="the model is not wrapped: one process"),
        Valid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader, IterableDataset
            class Shards(IterableDataset):
                def __iter__(self):
                    yield from read_shard(rank)
            model = DistributedDataParallel(resnet18().cuda())
            loader = DataLoader(Shards(), batch_size=64)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="an IterableDataset shards itself"),
        Valid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
            model = DistributedDataParallel(resnet18().cuda())
            sampler = DistributedSampler(train_set) if distributed else None
            loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=sampler is None, sampler=sampler)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="the sampler depends on the run: unknown"),
        Valid("""
            from torchvision.models import resnet18
            from accelerate import Accelerator
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader, TensorDataset
            accelerator = Accelerator()
            model = DistributedDataParallel(resnet18())
            loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
            model, loader = accelerator.prepare(model, loader)
            for x, y in loader:
                accelerator.backward(loss_fn(model(x), y))
        """, why="accelerator.prepare shards the loader it returns"),
        Valid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader
            model = DistributedDataParallel(resnet18().cuda())
            loader = DataLoader(load_dataset("imdb"), batch_size=64, shuffle=True)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="the dataset is unknown: it may be iterable and shard itself"),
    ]
    invalid = [
        Invalid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel as DDP
            from torch.utils.data import DataLoader, TensorDataset
            model = DDP(resnet18().to(rank), device_ids=[rank])
            loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
            for epoch in range(10):
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """, line=5),
        Invalid("""
            from torchvision.models import resnet18
            import torch
            from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
            from torchvision import datasets
            def train_one_epoch(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
            def main():
                model = FSDP(resnet18())
                train_set = datasets.MNIST("data", train=True)
                sampler = torch.utils.data.RandomSampler(train_set)
                loader = torch.utils.data.DataLoader(train_set, batch_size=64, sampler=sampler)
                for epoch in range(10):
                    train_one_epoch(model, loader, torch.optim.SGD(model.parameters(), lr=0.1))
        """, line=14),
        Invalid("""
            from torchvision.models import resnet18
            from torch.nn.parallel import DistributedDataParallel
            from torch.utils.data import DataLoader, Dataset
            class Pairs(Dataset):
                def __len__(self):
                    return 100
                def __getitem__(self, i):
                    return load(i)
            class Trainer:
                def __init__(self):
                    self.model = DistributedDataParallel(resnet18().cuda())
                    self.loader = DataLoader(Pairs(), batch_size=8)
                def fit(self):
                    for x, y in self.loader:
                        loss_fn(self.model(x), y).backward()
        """, line=12),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._wraps: dict[Instance, cst.Call] = {}
        self._sampled: list[Value] = []  # the datasets a DistributedSampler is built on
        self._prepared: list[Value] = []  # what accelerator.prepare(...) is given: its loaders come back sharded
        self._feeds: list[_Feed] = []

    def visit_Call(self, node: cst.Call) -> None:
        for model in wrapped_by(self.context, node, DISTRIBUTED_WRAPPERS):
            self._wraps.setdefault(model, node)
        if self.context.qualify(node.func) in DISTRIBUTED_SAMPLERS:
            dataset = syntax.argument(node, 0, "dataset")
            self._sampled.append(UNKNOWN if dataset is None else self.context.value(dataset))
        self._prepared.extend(accelerate.prepared(node, self.context.value))

    def visit_For(self, node: cst.For) -> None:
        loader = self.context.value(unwrap_iteration(self.context, node.iter))
        if not (isinstance(loader, Instance) and loader.qualname in LOADERS and loader.arguments is not None):
            return
        sampler = self._sampler(loader)
        if sampler is not None and _map_style(loader.arguments.get(_DATASET, "dataset")) and trains(node.body, self.context.info):
            self._feeds.append(_Feed(loader, sampler, node, self._used_in(node)))

    def leave_Module(self, original_node: cst.Module) -> None:
        for feed in self._feeds:
            wrap = next((self._wraps[value] for value in feed.used if isinstance(value, Instance) and value in self._wraps), None)
            if wrap is None or feed.loader in self._prepared or self._sharded_elsewhere(feed.loader):
                continue
            wrapper = (self.context.qualify(wrap.func) or "").rsplit(".", 1)[-1]
            here = feed.loader.module_key == self.context.info.key and feed.loader.call is not None
            node = feed.loader.call if here and feed.loader.call is not None else feed.loop.iter
            self.report(node, because=(Because(wrap, "the model it trains is wrapped here"),), wrapper=wrapper, sampler=feed.sampler)

    @staticmethod
    def _sampler(loader: Instance) -> str | None:
        """How the loader's sampling fails to shard, or None when it may shard (or is unknown)."""
        arguments = loader.arguments
        if arguments is None:
            return None
        batch_sampler = arguments.get(_BATCH_SAMPLER, "batch_sampler")
        if not (batch_sampler is None or batch_sampler == Constant(None)):
            return None
        sampler = arguments.get(_SAMPLER, "sampler")
        if sampler is None or sampler == Constant(None):
            return "has no sampler"
        if isinstance(sampler, Instance) and sampler.qualname in UNSHARDED_SAMPLERS:
            return f"its sampler is a {short(sampler.qualname).rsplit('.', 1)[-1]}"
        return None

    def _sharded_elsewhere(self, loader: Instance) -> bool:
        """A DistributedSampler built over this loader's dataset (or over one we cannot name) somewhere in the file."""
        dataset = loader.arguments.get(_DATASET, "dataset") if loader.arguments is not None else UNKNOWN
        return any(sampled is UNKNOWN or sampled is dataset for sampled in self._sampled)

    def _used_in(self, loop: cst.For) -> tuple[Value, ...]:
        """The objects the loop's calls run, are given or call methods of, as they are before the loop,
        and the fields of project objects among them (``trainer.step(x)`` uses ``trainer.model``)."""
        interpreter, env = self.context.interpreter, self.context.env()
        used: list[Value] = []
        for call in syntax.calls_in(loop.body):
            func = call.func.value if isinstance(call.func, cst.Attribute) and call.func.attr.value == "forward" else call.func
            expressions = [func, *(arg.value for arg in call.args)]
            owner = call.func
            while isinstance(owner, cst.Attribute):  # model.module.loss(x): model.module, model
                owner = owner.value
                expressions.append(owner)
            for expression in expressions:
                for value in candidates(interpreter.value(expression, env)):
                    used.append(value)
                    if isinstance(value, Instance) and value.cls is not None:
                        used.extend(interpreter.initial_fields(value).values())
        return tuple(used)


def _map_style(dataset: Value | None) -> bool:
    """A dataset known to be indexable (so a sampler, not the dataset, decides what each rank reads)."""
    if not isinstance(dataset, Instance):
        return False
    if dataset.cls is not None:
        cls = dataset.cls
        if find_method(cls, "__getitem__") is None or any("Iterable" in base for base in cls.base_names):
            return False
        calls = (call for method in cls.methods.values() for call in syntax.calls_in(method.node))
        return not any((cls.module.qualify(call.func) or "").startswith(DISTRIBUTED_STATE_PREFIX) for call in calls)
    return dataset.qualname in MAP_STYLE_DATASETS or dataset.qualname.startswith(MAP_STYLE_DATASET_PREFIXES)
