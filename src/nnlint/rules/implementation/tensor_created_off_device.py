from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.modules import enclosing_module_method, gpu_moves
from nnlint.analysis.torch_api import DATA_TENSOR_FACTORIES, TENSOR_FACTORIES
from nnlint.rule import Invalid, Rule, Valid

#: what a CPU tensor may meet without mixing devices: a move, a type match, a Python value, its shape
_MOVES = frozenset(("to", "cuda", "type_as"))
_SAFE_USES = _MOVES | frozenset(("item", "tolist", "numpy", "cpu", "shape", "size", "numel", "dim", "ndim"))
_COPYING = frozenset(("new_tensor", "copy_", "to"))


class TensorCreatedOffDevice(Rule):
    """A tensor is created in `forward` on the default (CPU) device while the model runs on a GPU.

    ## What it does
    Reports `torch.zeros/ones/empty/full/arange/linspace/eye/rand/randn/randint/
    randperm(...)` and `torch.tensor([...])` called in the `forward` of an
    `nn.Module` subclass without `device=`, when this file moves an object of that
    class — or of a model holding it as a submodule — to a GPU: `.cuda()`,
    `.to("cuda")`, `.to(torch.device("cuda:0"))`, or `.to(device)` with `device`
    assigned such a value (`torch.device("cuda" if torch.cuda.is_available() else
    "cpu")` included). Not reported: tensors moved or matched afterwards
    (`.to(x.device)`, `.type_as(x)`, also on an enclosing expression or on the name
    they are assigned to), 0-dim scalars (`torch.tensor(0.5)`, which may meet GPU
    tensors), index tensors (`x[torch.arange(b), y]`), `*_like`/`x.new_*` (they
    follow their input), tensors made in other methods (`init_hidden()`), and
    models whose device is not known (`.to(args.device)`, `.to(rank)`, or moved in
    another file).

    ## Why is this bad?
    `model.to("cuda")` moves parameters and buffers, not the tensors `forward`
    makes on each call. Those land on the CPU, and the first operation that mixes
    them with the input fails ("Expected all tensors to be on the same device") —
    for a script developed on a laptop, only once it reaches the GPU machine
    (checklist item 3).

    ## Example
    ```python
    def forward(self, x):
        h0 = torch.zeros(1, x.size(0), self.hidden)
        out, _ = self.rnn(x, h0)
    ```

    ## Use instead
    ```python
        h0 = torch.zeros(1, x.size(0), self.hidden, device=x.device, dtype=x.dtype)
    ```
    or `x.new_zeros(...)`, or `self.register_buffer(...)` in `__init__` for constants.
    """

    code = "NN318"
    name = "tensor-created-off-device"
    checklist = (3,)
    message = "{call} in {cls}.forward is created on the CPU, but {cls} is moved to a GPU ({move}): mixing it with the input fails"
    help = "pass device=x.device (or use torch.zeros_like(x) / x.new_zeros(...)), or register constants as buffers in __init__"
    requires_text = ("cuda", "mps")

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            class RNN(nn.Module):
                def forward(self, x):
                    h0 = torch.zeros(1, x.size(0), 64, device=x.device)
                    pos = torch.arange(x.size(1)).to(x.device)
                    mask = torch.triu(torch.ones(8, 8), diagonal=1).bool().to(x.device)
                    noise = torch.randn(x.shape)
                    noise = noise.type_as(x)
                    return self.rnn(x + noise, h0)
            model = RNN().cuda()
        """, why="device given, or the tensor is moved or matched to the input"),
        Valid("""
            import torch
            import torch.nn as nn
            class Head(nn.Module):
                def forward(self, x, y):
                    picked = x[torch.arange(x.size(0)), y]
                    order = torch.randperm(x.size(0))
                    return picked * torch.tensor(0.5) + x[order].sum()
            model = Head().to("cuda")
        """, why="index tensors and 0-dim scalars may stay on the CPU"),
        Valid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def forward(self, x):
                    return x + torch.ones(x.size(1))
            model = Net().to(args.device)
            cpu_model = Net()
        """, why="the device comes from configuration: unknown"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            class LSTMClassifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.rnn = nn.LSTM(32, 64, batch_first=True)
                def forward(self, x):
                    h0 = torch.zeros(1, x.size(0), 64)
                    c0 = torch.zeros(1, x.size(0), 64)
                    out, _ = self.rnn(x, (h0, c0))
                    return out
            model = LSTMClassifier()
            model.cuda()
        """, line=8),
        Invalid("""
            import torch
            from torch import nn
            class GPT(nn.Module):
                def forward(self, idx):
                    t = idx.size(1)
                    positions = torch.arange(t)
                    return self.tok(idx) + self.pos(positions)
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = GPT().to(device)
        """, line=6),
        Invalid("""
            import torch
            import torch.nn as nn
            class Attention(nn.Module):
                def forward(self, x):
                    t = x.size(1)
                    mask = torch.triu(torch.ones(t, t), diagonal=1).bool()
                    return x.masked_fill(mask, 0)
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.attn = Attention()
            net = Net().to("cuda:0")
        """, line=6),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._harmless: dict[int, set[str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        if qualname not in TENSOR_FACTORIES or syntax.keyword(node, "device") is not None or any(arg.star == "**" for arg in node.args):
            return
        data = syntax.argument(node, 0, "data")
        if qualname in DATA_TENSOR_FACTORIES and not isinstance(data, (cst.List, cst.Tuple, cst.ListComp)):
            return
        if isinstance(data, (cst.Tuple, cst.List)) and not data.elements:
            return  # torch.zeros(()): a 0-dim scalar
        found = enclosing_module_method(self.context, "forward")
        if found is None or self._stays_harmless(found[1]):
            return
        cls, _ = found
        move = gpu_moves(self.context.info).get(id(cls.node))
        if move is not None:
            self.report(node, call=f"{qualname}(...)", cls=cls.name, move=self.context.module.code_for_node(move))

    def _stays_harmless(self, method: cst.FunctionDef) -> bool:
        """Moved or matched on the way (``.to(...)`` on it or around it), used as an index or a loop range, or assigned to a name that is."""
        path = self.context.ancestors
        for index in range(len(path) - 2, -1, -1):
            ancestor, child = path[index], path[index + 1]
            if isinstance(ancestor, cst.Attribute) and ancestor.attr.value in _SAFE_USES:
                return True
            if isinstance(ancestor, cst.SubscriptElement) or (isinstance(ancestor, cst.For) and child is ancestor.iter):
                return True
            if isinstance(ancestor, cst.Call) and isinstance(child, cst.Arg) and (syntax.method_name(ancestor) in _COPYING or syntax.keyword(ancestor, "device")):
                return True  # x.new_tensor(torch.arange(n)), torch.as_tensor(torch.arange(n), device=d)
            if isinstance(ancestor, cst.Assign):
                names = {t.target.value for t in ancestor.targets if isinstance(t.target, cst.Name)}
                return bool(names & self._harmless_names(method))
            if isinstance(ancestor, cst.BaseStatement):
                return False
        return False

    def _harmless_names(self, method: cst.FunctionDef) -> set[str]:
        """Names in ``method`` that are moved (``v.to(...)``, ``v.type_as(...)``) or used as an index (``x[v]``); one walk per method."""
        if id(method) not in self._harmless:
            found: set[str] = set()
            stack: list[cst.CSTNode] = [method.body]
            while stack:
                node = stack.pop()
                if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.attr.value in _MOVES:
                    found.add(node.value.value)
                elif isinstance(node, cst.SubscriptElement):
                    found.update(syntax.names_in(node))
                stack.extend(syntax.children(node))
            self._harmless[id(method)] = found
        return self._harmless[id(method)]
