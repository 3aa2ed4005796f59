from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.pipelines import (
    batch_names,
    built_at,
    constructor_argument,
    loader_of,
    same_values_root,
)
from nnlint.analysis.project import ClassInfo
from nnlint.analysis.torch_api import BATCH_FIRST_RECURRENT_LAYERS, BATCH_LAYOUT_KEEPING, LOADER_POSITIONS
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

_COLLATE, _BATCH_SAMPLER = LOADER_POSITIONS["collate_fn"], LOADER_POSITIONS["batch_sampler"]


class RnnBatchFirstMismatch(Rule):
    """An RNN built without `batch_first=True` is fed the (batch, seq, features) batches of a DataLoader.

    ## What it does
    Follows the first element of each DataLoader batch (default collation, so the batch
    dimension comes first) into an `nn.LSTM` / `nn.GRU` / `nn.RNN` — directly, or
    through a project module's `forward`, across layers that keep the layout
    (`Embedding`, `Linear`, `Dropout`, activations, `.float()`, `.to()`) — and reports the
    recurrent layer when it was built without `batch_first=True`. A `permute`,
    `transpose`, `view`, `pack_padded_sequence` or a custom `collate_fn` on the way makes
    the layout unknown and the rule silent.

    ## Why is this bad?
    Without `batch_first=True`, PyTorch's recurrent layers read their input as
    (seq, batch, features). Given (batch, seq, features), the batch is taken for the
    time axis: samples of one batch flow into each other through the hidden state, the
    sequence positions are treated as independent examples, and nothing fails — the
    shapes still line up (checklist item 25).

    ## Example
    ```python
    self.lstm = nn.LSTM(input_size=64, hidden_size=128)
    ...
    for tokens, labels in DataLoader(dataset, batch_size=32):
        logits = model(tokens)  # tokens: (32, seq_len)
    ```

    ## Use instead
    ```python
    self.lstm = nn.LSTM(input_size=64, hidden_size=128, batch_first=True)
    ```
    or `x.transpose(0, 1)` before the recurrent layer.
    """

    code = "NN319"
    name = "rnn-batch-first-mismatch"
    checklist = (25,)
    message = "{rnn} reads (seq, batch, features) but gets the loader's batch-first tensors{path}: the batch is taken for the time axis"
    help = "build the recurrent layer with batch_first=True, or transpose the input to (seq, batch, features)"
    requires_text = ("LSTM", "GRU", "RNN")

    valid = [
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            lstm = nn.LSTM(16, 32, batch_first=True)
            for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
                out, _ = lstm(x)
        """, why="batch_first=True"),
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embed = nn.Embedding(5000, 64)
                    self.gru = nn.GRU(64, 64)
                def forward(self, tokens):
                    x = self.embed(tokens).transpose(0, 1)
                    out, _ = self.gru(x)
                    return out
            model = Tagger()
            for tokens, tags in DataLoader(train_set, batch_size=16, shuffle=True):
                model(tokens)
        """, why="transposed to (seq, batch) before the GRU"),
        Valid("""
            import torch.nn as nn
            from torch.nn.utils.rnn import pad_sequence
            from torch.utils.data import DataLoader
            lstm = nn.LSTM(8, 8)
            loader = DataLoader(sequences, batch_size=4, collate_fn=lambda batch: pad_sequence(batch))
            for x in loader:
                out, _ = lstm(x)
        """, why="a collate_fn that pads to (seq, batch)"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            lstm = nn.LSTM(input_size=16, hidden_size=32)
            loader = DataLoader(train_set, batch_size=32, shuffle=True)
            for x, y in loader:
                out, (h, c) = lstm(x.float())
        """, line=3),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            from torch.utils.data import DataLoader
            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embed = nn.Embedding(20000, 128)
                    self.rnn = nn.GRU(128, 256, num_layers=2, batch_first=False)
                    self.fc = nn.Linear(256, 2)
                def forward(self, tokens):
                    x = F.dropout(self.embed(tokens), 0.2, self.training)
                    _, h = self.rnn(x)
                    return self.fc(h[-1])
            def train(model, loader):
                for tokens, labels in loader:
                    F.cross_entropy(model(tokens.to(device)), labels).backward()
            train(Classifier(), DataLoader(reviews, batch_size=64, shuffle=True))
        """, line=8),
        Invalid("""
            import torch
            from torch.utils.data import DataLoader
            rnn = torch.nn.RNN(3, 10)
            for i, (series, target) in enumerate(DataLoader(windows, batch_size=128)):
                series = series.to("cuda")
                output, hidden = rnn(series)
        """, line=3),
    ]

    def visit_For(self, node: cst.For) -> None:
        loader = loader_of(self.context, node.iter)
        names = batch_names(node)
        if loader is None or not names or loader.call is None or syntax.has_star_args(loader.call):
            return
        if any(syntax.argument(loader.call, position, name) is not None for position, name in ((_COLLATE, "collate_fn"), (_BATCH_SAMPLER, "batch_sampler"))):
            return
        size = constructor_argument(self.context, loader, 1, "batch_size")
        if size is not None and isinstance(size[0], cst.Name) and size[0].value == "None":
            return
        env, tracked = self.context.env(), names[0]
        for statement in syntax.walk_statements(syntax.body_statements(node.body)):
            for call in (c for part in _parts(statement) for c in syntax.calls_in(part)):
                position = next((i for i, arg in enumerate(call.args) if arg.keyword is None and same_values_root(arg.value) == tracked), None)
                if position is not None and self._check(call, position, env):
                    return
            if _rebinds(statement, tracked):
                return

    def _check(self, call: cst.Call, position: int, env: Env) -> bool:
        callee = self.context.interpreter.value(call.func, env)
        if not isinstance(callee, Instance):
            return False
        if callee.qualname in BATCH_FIRST_RECURRENT_LAYERS:
            return self._report(callee, call, "")
        if callee.cls is None or position != 0 or (forward := callee.cls.methods.get("forward")) is None or len(forward.params) < 2:
            return False
        rnn = self._rnn_fed_in_forward(callee.cls, forward.node, forward.params[1])
        return rnn is not None and self._report(rnn, call, f" through {callee.cls.name}.forward")

    def _rnn_fed_in_forward(self, cls: ClassInfo, forward: cst.FunctionDef, parameter: str) -> Instance | None:
        tracked = {parameter}
        for statement in syntax.walk_statements(syntax.body_statements(forward.body)):
            for call in (c for part in _parts(statement) for c in syntax.calls_in(part)):
                if call.args and self._keeps_layout(call.args[0].value, tracked, cls):
                    layer = _self_attribute(cls, call.func)
                    if layer is not None and layer.qualname in BATCH_FIRST_RECURRENT_LAYERS:
                        return layer
            for small in syntax.small_statements(statement):
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    target = small.targets[0].target.value
                    (tracked.add if self._keeps_layout(small.value, tracked, cls) else tracked.discard)(target)
        return None

    def _keeps_layout(self, node: cst.BaseExpression, tracked: set[str], cls: ClassInfo) -> bool:
        if same_values_root(node) in tracked:
            return True
        if not isinstance(node, cst.Call) or not node.args:
            return False
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "unsqueeze" and syntax.argument(node, 0, "dim") is not None:
            dim = syntax.argument(node, 0, "dim")
            return isinstance(dim, cst.UnaryOperation) and self._keeps_layout(node.func.value, tracked, cls)
        qualname = cls.module.qualify(node.func)
        if qualname is None:
            layer = _self_attribute(cls, node.func)
            qualname = layer.qualname if layer is not None else None
        return qualname in BATCH_LAYOUT_KEEPING and self._keeps_layout(node.args[0].value, tracked, cls)

    def _report(self, rnn: Instance, call: cst.Call, path: str) -> bool:
        if rnn.call is None:
            return False
        batch_first = syntax.keyword(rnn.call, "batch_first")
        if batch_first is not None and syntax.literal_bool(batch_first.value) is not False:
            return False
        here = rnn.module_key == self.context.info.key and built_at(self.context, rnn) is not None
        node: cst.CSTNode = rnn.call if here else call
        if all(report.node is not node for report in self.reports):
            self.report(node, rnn=rnn.qualname.replace("torch.nn.", "nn.") + "(batch_first=False)", path=path)
        return True


def _self_attribute(cls: ClassInfo, node: cst.BaseExpression) -> Instance | None:
    """The layer ``self.name`` holds, as ``__init__`` built it."""
    if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"):
        return None
    expression = cls.attributes.get(node.attr.value)
    value = interpreter_for(cls.module).evaluate(expression, Env()) if expression is not None else None
    return value if isinstance(value, Instance) else None


def _parts(statement: cst.BaseStatement) -> list[cst.CSTNode]:
    return [statement] if isinstance(statement, cst.SimpleStatementLine) else []


def _rebinds(statement: cst.BaseStatement, name: str) -> bool:
    return any(
        isinstance(small, cst.Assign) and any(name in syntax.names_in(t.target) for t in small.targets) and same_values_root(small.value) != name
        for small in syntax.small_statements(statement)
    )
