from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import ScopeIndex, here
from nnlint.analysis.pipelines import number
from nnlint.analysis.torch_api import LOADER_POSITIONS, LOADERS, RNG_MAKERS, TORCH_GENERATORS
from nnlint.analysis.project import ClassInfo, FunctionInfo
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

_NUM_WORKERS, _WORKER_INIT = LOADER_POSITIONS["num_workers"], LOADER_POSITIONS["worker_init_fn"]


class NumpyRngInDatasetWorkers(Rule):
    """DataLoader workers share copies of one random generator held by the dataset: they repeat each other's augmentations.

    ## What it does
    Reports a `DataLoader` with a known `num_workers > 0` and no `worker_init_fn` whose
    dataset (a class of this project) draws random numbers in `__getitem__` (or a method
    it calls) from a generator created once — `self.rng = np.random.default_rng(seed)`,
    `np.random.RandomState`, `random.Random`, `torch.Generator` in `__init__`, or one at
    module level — and never re-created per worker.

    NumPy's *global* `np.random.*` functions are not reported: since PyTorch 1.9 each
    worker re-seeds NumPy's and Python's global generators itself. It cannot re-seed a
    generator object your dataset holds.

    ## Why is this bad?
    Each worker process gets a copy of the dataset — and of its generator, in the same
    state. Worker 0 and worker 1 then draw identical "random" crops, flips and noise for
    their samples, and they do it again every epoch: augmentation is far less random
    than it looks (checklist items 3 and 13).

    ## Example
    ```python
    class Patches(Dataset):
        def __init__(self, images):
            self.images, self.rng = images, np.random.default_rng(0)
        def __getitem__(self, i):
            return random_crop(self.images[i], self.rng)
    loader = DataLoader(Patches(images), batch_size=32, num_workers=4)
    ```

    ## Use instead
    ```python
    def seed_worker(worker_id):
        info = torch.utils.data.get_worker_info()
        info.dataset.rng = np.random.default_rng(info.seed % 2**32)
    loader = DataLoader(Patches(images), batch_size=32, num_workers=4, worker_init_fn=seed_worker)
    ```
    """

    code = "NN104"
    name = "numpy-rng-in-dataset-workers"
    checklist = (3, 13)
    message = "the {workers} workers of this DataLoader each get a copy of {rng} in the same state: every worker draws the same random numbers"
    help = "re-create the generator per worker in a worker_init_fn (seeded from get_worker_info().seed), or use np.random / torch functions"
    requires_text = ("num_workers",)

    valid = [
        Valid("""
            import numpy as np
            from torch.utils.data import DataLoader, Dataset
            class Noisy(Dataset):
                def __getitem__(self, i):
                    return self.x[i] + np.random.normal(0, 0.1, self.x[i].shape), self.y[i]
            loader = DataLoader(Noisy(), batch_size=32, num_workers=4)
        """, why="NumPy's global generator is re-seeded in every worker by PyTorch (1.9+)"),
        Valid("""
            import numpy as np
            from torch.utils.data import DataLoader, Dataset
            class Crops(Dataset):
                def __init__(self, images):
                    self.images = images
                    self.rng = np.random.default_rng(0)
                def __getitem__(self, i):
                    return self.rng.permutation(self.images[i])
            def seed_worker(worker_id):
                info = torch.utils.data.get_worker_info()
                info.dataset.rng = np.random.default_rng(info.seed % 2**32)
            loader = DataLoader(Crops(images), batch_size=8, num_workers=2, worker_init_fn=seed_worker)
            single = DataLoader(Crops(images), batch_size=8)
        """, why="a worker_init_fn re-creates the generator; no workers at all"),
        Valid("""
            import numpy as np
            from torch.utils.data import DataLoader, Dataset
            class Lazy(Dataset):
                def __init__(self):
                    self.rng = None
                def __getitem__(self, i):
                    if self.rng is None:
                        self.rng = np.random.default_rng()
                    return self.rng.random()
            loader = DataLoader(Lazy(), batch_size=8, num_workers=4)
        """, why="the generator is created inside each worker, on first use"),
    ]
    invalid = [
        Invalid("""
            import numpy as np
            from torch.utils.data import DataLoader, Dataset
            class Patches(Dataset):
                def __init__(self, images, seed=0):
                    self.images = images
                    self.rng = np.random.default_rng(seed)
                def __getitem__(self, i):
                    x = self.rng.integers(0, 32)
                    return self.images[i][x:x + 64]
            loader = DataLoader(Patches(images), batch_size=32, shuffle=True, num_workers=4)
        """, line=10),
        Invalid("""
            import random
            import torch
            WORKERS = 8
            class Speech(torch.utils.data.Dataset):
                def __init__(self, clips):
                    self.clips = clips
                    self.random = random.Random(1234)
                def _augment(self, clip):
                    return clip * self.random.uniform(0.8, 1.2)
                def __getitem__(self, i):
                    return self._augment(self.clips[i])
            train_loader = torch.utils.data.DataLoader(Speech(clips), batch_size=16, num_workers=WORKERS)
        """, line=12),
        Invalid("""
            import numpy as np
            from torch.utils.data import DataLoader, Dataset
            rng = np.random.RandomState(42)
            class Jitter(Dataset):
                def __getitem__(self, i):
                    return self.x[i] + rng.randn(3)
            loader = DataLoader(Jitter(), batch_size=4, num_workers=2)
        """, line=7),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualify(node.func) not in LOADERS or syntax.has_star_args(node):
            return
        initializer = syntax.argument(node, _WORKER_INIT, "worker_init_fn")
        if initializer is not None and not (isinstance(initializer, cst.Name) and initializer.value == "None"):
            return
        workers = number(self.context, syntax.argument(node, _NUM_WORKERS, "num_workers"), here(self.context))
        dataset = syntax.argument(node, 0, "dataset")
        value = self.context.value(dataset) if dataset is not None else None
        if not workers or workers <= 0 or not isinstance(value, Instance) or value.cls is None:
            return
        rng = self._shared_generator(value.cls)
        if rng is not None:
            self.report(node, workers=int(workers), rng=rng)

    def _shared_generator(self, cls: ClassInfo) -> str | None:
        getitem = cls.methods.get("__getitem__")
        if getitem is None:
            return None
        methods = [getitem, *(cls.methods[name] for name in self._called_methods(getitem) if name in cls.methods)]
        code = "".join(cls.module.module.code_for_node(method.node) for method in methods)
        if "get_worker_info" in code:
            return None
        for attribute, expression in cls.attributes.items():
            if self._makes_generator(expression, cls) and f"self.{attribute}." in code and not self._reassigned(cls, attribute):
                return f"{cls.name}.{attribute} (created once in __init__)"
        if cls.module is self.context.info:
            module_defs = ScopeIndex.of(cls.module.module).defs
            for name in {n for method in methods for n in syntax.names_in(method.node)}:
                defs = module_defs.get(name, [])
                if len(defs) == 1 and defs[0].value is not None and self._makes_generator(defs[0].value, cls) and f"{name}." in code:
                    return f"the module-level generator `{name}`"
        return None

    def _makes_generator(self, expression: cst.BaseExpression, cls: ClassInfo) -> bool:
        while isinstance(expression, cst.Call) and isinstance(expression.func, cst.Attribute) and expression.func.attr.value == "manual_seed":
            expression = expression.func.value  # torch.Generator().manual_seed(0)
        return isinstance(expression, cst.Call) and cls.module.qualify(expression.func) in RNG_MAKERS | TORCH_GENERATORS

    @staticmethod
    def _reassigned(dataset: ClassInfo, attribute: str) -> bool:
        code = dataset.module.module.code_for_node
        return any(f"self.{attribute} =" in code(method.node) for name, method in dataset.methods.items() if name != "__init__")

    @staticmethod
    def _called_methods(method: FunctionInfo) -> set[str]:
        return {call.func.attr.value for call in syntax.calls_in(method.node)
                if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and call.func.value.value == "self"}
