from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.consumers import loops_over
from nnlint.analysis.training import carried_state, carries_recurrent_state, trains
from nnlint.analysis.torch_api import DISTRIBUTED_SAMPLERS, ITERABLE_DATASET_BASES, LOADER_POSITIONS, LOADERS
from nnlint.analysis.values import UNKNOWN, Arguments, Constant, Instance, Value
from nnlint.analysis.wrappers import unwrap_iteration
from nnlint.diagnostic import Applicability
from nnlint.rule import Because, Invalid, PendingFix, Rule, Valid

_SHUFFLE, _SAMPLER, _BATCH_SAMPLER = (LOADER_POSITIONS[name] for name in ("shuffle", "sampler", "batch_sampler"))


class UnshuffledTrainLoader(Rule):
    """A DataLoader that feeds training is not shuffled, or its DistributedSampler never changes epoch.

    ## What it does
    Reports a `DataLoader` whose batches reach `backward()` (directly or through
    the project's helper functions) while it has no `shuffle=True`, no `sampler`
    and no `batch_sampler` — an explicit `shuffle=False` included. The training
    loop may be in another file of the project (a loader returned by a helper in
    data.py and looped over by a `Trainer` in trainer.py): the finding lands on
    the `DataLoader(...)` call, where the fix goes. Also reports a
    `DistributedSampler` feeding such a loop when `set_epoch()` is never called.

    ## Why is this bad?
    Datasets are often stored sorted (by class, by file, by time). Unshuffled,
    every epoch sees the same order and batches may hold a single class, so the
    gradient of each step pulls towards one class and the network oscillates
    instead of learning (checklist items 7 and 10). `DistributedSampler` shuffles
    with a seed derived from the epoch: without `sampler.set_epoch(epoch)` each
    epoch repeats the first epoch's order.

    ## Example
    ```python
    train_loader = DataLoader(train_set, batch_size=64)
    for x, y in train_loader:
        loss_fn(model(x), y).backward()
    ```

    ## Use instead
    ```python
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    ```
    and with DDP, `sampler.set_epoch(epoch)` at the start of every epoch. The fix
    (unsafe: sequence models trained with truncated backpropagation through time
    may rely on the order) adds `shuffle=True`. A loop that hands a model's hidden
    state from one batch to the next (`output, hidden = model(x, hidden)`) is such
    a sequence model and is not reported.
    """

    code = "NN101"
    name = "unshuffled-train-loader"
    checklist = (7, 10)
    message = "{problem}"
    help = "pass shuffle=True (or a shuffling sampler) to the training DataLoader; call sampler.set_epoch(epoch) every epoch with DDP"
    fixable = True
    requires_text = ("DataLoader",)

    valid = [
        Valid("""
            from torch.utils.data import DataLoader
            train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
            val_loader = DataLoader(val_set, batch_size=256)
            for x, y in train_loader:
                loss_fn(model(x), y).backward()
            for x, y in val_loader:
                print(model(x))
        """, why="the unshuffled loader is only used for evaluation"),
        Valid("""
            from torch.utils.data import DataLoader, WeightedRandomSampler
            sampler = WeightedRandomSampler(weights, num_samples=len(weights))
            loader = DataLoader(train_set, batch_size=32, sampler=sampler)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="a sampler decides the order"),
        Valid("""
            import torch
            loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=args.shuffle)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="shuffle comes from configuration: unknown"),
        Valid("""
            import torch
            from torch.utils.data import DataLoader, IterableDataset
            class Stream(IterableDataset):
                def __iter__(self):
                    yield from read_shards()
            loader = DataLoader(Stream(), batch_size=32)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="an IterableDataset cannot be shuffled by the loader"),
        Valid("""
            from torch.utils.data import DataLoader
            from torch.utils.data.distributed import DistributedSampler
            sampler = DistributedSampler(train_set)
            loader = DataLoader(train_set, batch_size=32, sampler=sampler)
            for epoch in range(10):
                sampler.set_epoch(epoch)
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """, why="set_epoch is called every epoch"),
        Valid("""
            from torch.utils.data import DataLoader
            train_kwargs = {"batch_size": 64}
            train_kwargs.update({"shuffle": True, "num_workers": 2})
            loader = DataLoader(train_set, **train_kwargs)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="the keyword dict does set shuffle=True"),
        Valid("""
            from torch.utils.data import DataLoader
            def loader_for(dataset, **options):
                return DataLoader(dataset, batch_size=32, **options)
            loader = loader_for(train_set, shuffle=True)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="shuffle=True reaches the DataLoader through the helper's **options"),
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            rnn = nn.LSTM(32, 64)
            loader = DataLoader(chunks, batch_size=20, drop_last=True)
            hidden = None
            for data, targets in loader:
                hidden = tuple(h.detach() for h in hidden) if hidden is not None else None
                output, hidden = rnn(data, hidden)
                loss_fn(output, targets).backward()
        """, why="truncated backpropagation through time: the hidden state flows from batch to batch, so the order matters"),
    ]
    invalid = [
        Invalid("""
            from torch.utils.data import DataLoader
            train_loader = DataLoader(train_set, batch_size=64)
            for epoch in range(5):
                for i, (x, y) in enumerate(train_loader):
                    loss = loss_fn(model(x), y)
                    loss.backward()
        """, line=2, expected_fix="""
            from torch.utils.data import DataLoader
            train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
            for epoch in range(5):
                for i, (x, y) in enumerate(train_loader):
                    loss = loss_fn(model(x), y)
                    loss.backward()
        """),
        Invalid("""
            import torch.utils.data as data
            def train_one_epoch(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    step(model, x, y)
                    optimizer.step()
            def step(model, x, y):
                loss_fn(model(x), y).backward()
            loader = data.DataLoader(dataset, batch_size=16, shuffle=False, num_workers=4)
            train_one_epoch(net, loader, opt)
        """, line=9, expected_fix="""
            import torch.utils.data as data
            def train_one_epoch(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    step(model, x, y)
                    optimizer.step()
            def step(model, x, y):
                loss_fn(model(x), y).backward()
            loader = data.DataLoader(dataset, batch_size=16, shuffle=True, num_workers=4)
            train_one_epoch(net, loader, opt)
        """),
        Invalid("""
            from torch.utils.data import DataLoader
            def fit(model, dataset, loss_fn):
                loader = DataLoader(
                    dataset,
                    batch_size=32,
                    num_workers=2,
                )
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """, line=3, expected_fix="""
            from torch.utils.data import DataLoader
            def fit(model, dataset, loss_fn):
                loader = DataLoader(
                    dataset,
                    batch_size=32,
                    num_workers=2, shuffle=True,
                )
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """),
        Invalid("""
            from torch.utils.data import DataLoader
            from torch.utils.data.distributed import DistributedSampler
            sampler = DistributedSampler(train_set)
            loader = DataLoader(train_set, batch_size=32, sampler=sampler)
            for epoch in range(10):
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """, line=3),
        Invalid("""
            from torch.utils.data import DataLoader
            train_kwargs = {"batch_size": 64, "shuffle": False}
            test_kwargs = {**train_kwargs, "batch_size": 1000}
            train_loader = DataLoader(train_set, **train_kwargs)
            for x, y in train_loader:
                loss_fn(model(x), y).backward()
        """, line=4),
        Invalid("""
            from torch.utils.data import DataLoader
            from tqdm import tqdm
            def make_loaders(train_set, val_set):
                return DataLoader(train_set, batch_size=32), DataLoader(val_set, batch_size=64)
            train_loader, val_loader = make_loaders(train_set, val_set)
            for step, (x, y) in enumerate(tqdm(train_loader)):
                loss_fn(model(x), y).backward()
        """, line=4),
    ]

    def visit_For(self, node: cst.For) -> None:
        loader = self._loader(node.iter)
        if loader is None or loader.call is None or loader.arguments is None:
            return
        if not trains(node.body, self.context.info) or carries_recurrent_state(node, self.context.info, self.context.env()):
            return  # truncated backpropagation through time needs the stored order
        self._judge(loader, node)

    def visit_Call(self, node: cst.Call) -> None:
        """A loader built here whose training loop is in another file (returned by a helper, kept by a Trainer)."""
        loader = self.context.value(node) if self.context.qualify(node.func) in LOADERS else None
        if not isinstance(loader, Instance) or loader.call is not node or loader.arguments is None:
            return
        loops = [loop for module, loop in loops_over(self.context.info, loader) if trains(loop.body, module)]
        if loops and not any(carried_state(loop) for loop in loops):  # unknown there: any state handed on stays silent
            self._judge(loader, None)

    def _judge(self, loader: Instance, node: cst.For | None) -> None:
        """Report ``loader``, which feeds training (in the loop ``node`` of this file, or in another file's loop)."""
        here = loader.module_key == self.context.info.key
        arguments = loader.arguments
        assert arguments is not None
        sampler = arguments.get(_SAMPLER, "sampler")
        if sampler is UNKNOWN or isinstance(sampler, Instance):
            self._check_sampler(sampler)
            return
        if not _absent(sampler) or not _absent(arguments.get(_BATCH_SAMPLER, "batch_sampler")) or self._iterable(arguments):
            return
        shuffle = arguments.get(_SHUFFLE, "shuffle")
        if shuffle is not None and shuffle != Constant(False):
            return
        problem = "this DataLoader feeds training but does not shuffle: every epoch sees the data in stored order"
        fixable = here and loader.call is not None and not syntax.has_star_args(loader.call)
        because = (Because(node.iter, "its batches reach backward() in this loop"),) if here and node is not None else ()
        where = loader.call if here or node is None else node.iter
        if where is not None and not any(report.node is where for report in self.reports):  # a loop here and one elsewhere
            self.report(where, fix=self._fix(loader.call) if fixable and loader.call is not None else None, because=because, problem=problem)

    def _loader(self, expression: cst.BaseExpression) -> Instance | None:
        value = self.context.value(unwrap_iteration(self.context, expression))
        return value if isinstance(value, Instance) and value.qualname in LOADERS else None

    @staticmethod
    def _iterable(arguments: Arguments) -> bool:
        value = arguments.get(0, "dataset")
        if value is None:
            return True
        if not isinstance(value, Instance):
            return False
        if value.cls is not None:
            return any(base in ITERABLE_DATASET_BASES or "Iterable" in base for base in value.cls.base_names)
        return "Iterable" in value.qualname

    def _check_sampler(self, value: Value) -> None:
        if not isinstance(value, Instance) or value.qualname not in DISTRIBUTED_SAMPLERS or value.call is None:
            return
        if syntax.literal_bool(getattr(syntax.keyword(value.call, "shuffle"), "value", None)) is False or "set_epoch" in self.context.text:
            return
        if value.module_key == self.context.info.key:
            self.report(value.call, problem="DistributedSampler.set_epoch(epoch) is never called: every epoch repeats the first epoch's order")

    def _fix(self, call: cst.Call) -> PendingFix:
        shuffle = syntax.keyword(call, "shuffle")
        if shuffle is not None:
            return PendingFix("shuffle=True", shuffle.value, cst.Name("True"), applicability=Applicability.UNSAFE)
        last = call.args[-1].value  # appended after the last argument's value: the call's own layout is kept
        return PendingFix("add shuffle=True", last, f"{self.context.module.code_for_node(last)}, shuffle=True",
                          applicability=Applicability.UNSAFE)


def _absent(value: Value | None) -> bool:
    """Not passed, or passed as ``None``."""
    return value is None or value == Constant(None)
