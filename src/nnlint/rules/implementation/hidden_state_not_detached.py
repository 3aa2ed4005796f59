from __future__ import annotations

import libcst as cst

from nnlint.analysis.torch_api import RECURRENT_LAYERS
from nnlint.analysis.training import carried_state, is_module_class, trains
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

_DETACHING = ("detach", "repackage")


class HiddenStateNotDetached(Rule):
    """An RNN's hidden state is carried from batch to batch without `.detach()`.

    ## What it does
    In a loop that reaches `backward()`, finds `out, hidden = rnn(x, hidden)` — the
    state a recurrent module (`nn.LSTM`/`GRU`/`RNN`, their `*Cell`s, or a project
    `nn.Module` whose `forward` does not detach) returns is fed back in on the next
    iteration — when the loop never re-initialises or detaches it (`hidden.detach()`,
    `repackage_hidden(hidden)`, `h.detach_()`).

    ## Why is this bad?
    The state still holds the graph of the previous batch, and that of the batch before
    it: backpropagation goes back to the first batch of the epoch (checklist item 35).
    PyTorch raises "Trying to backward through the graph a second time"; adding
    `retain_graph=True` to silence it makes every step slower than the last, memory
    grows until it runs out, and gradients through hundreds of steps explode.
    Truncated backpropagation through time keeps the *values* and cuts the graph.

    ## Example
    ```python
    hidden = model.init_hidden(batch_size)
    for x, y in batches:
        output, hidden = model(x, hidden)
        criterion(output, y).backward()
    ```

    ## Use instead
    ```python
    for x, y in batches:
        hidden = tuple(h.detach() for h in hidden)  # repackage_hidden
        output, hidden = model(x, hidden)
        criterion(output, y).backward()
    ```
    """

    code = "NN317"
    name = "hidden-state-not-detached"
    checklist = (35,)
    message = "`{state}` is carried from one batch to the next without .detach(): backward() goes through every earlier batch"
    help = "detach the state at the start of each batch (hidden = hidden.detach(), or tuple(h.detach() for h in hidden) for an LSTM)"
    requires_text = ("backward",)

    valid = [
        Valid("""
            import torch.nn as nn
            lstm = nn.LSTM(32, 64)
            hidden = None
            for x, y in batches:
                if hidden is not None:
                    hidden = tuple(h.detach() for h in hidden)
                out, hidden = lstm(x, hidden)
                criterion(out, y).backward()
        """, why="the state is detached at the start of every batch"),
        Valid("""
            import torch
            import torch.nn as nn
            cell = nn.GRUCell(16, 32)
            for x, y in loader:
                h = torch.zeros(x.size(0), 32)
                for t in range(x.size(1)):
                    h = cell(x[:, t], h)
                criterion(head(h), y).backward()
        """, why="carried across time steps of one sequence, re-initialised for every batch"),
        Valid("""
            import torch.nn as nn
            rnn = nn.GRU(8, 8)
            hidden = None
            for step in range(100):
                token, hidden = rnn(token, hidden)
        """, why="generation: nothing is backpropagated"),
        Valid("""
            import torch.nn as nn
            class Stateful(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.lstm = nn.LSTM(10, 20)
                def forward(self, x, state):
                    state = tuple(s.detach() for s in state) if state is not None else None
                    return self.lstm(x, state)
            model = Stateful()
            state = None
            for x, y in loader:
                out, state = model(x, state)
                loss_fn(out, y).backward()
        """, why="the model's forward detaches the state it is given"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            lstm = nn.LSTM(32, 64)
            hidden = None
            for x, y in batches:
                out, hidden = lstm(x, hidden)
                loss = criterion(out, y)
                loss.backward(retain_graph=True)
        """, line=5),
        Invalid("""
            import torch
            import torch.nn as nn
            class LanguageModel(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embed = nn.Embedding(1000, 64)
                    self.rnn = nn.LSTM(64, 128)
                    self.out = nn.Linear(128, 1000)
                def forward(self, tokens, state):
                    h, state = self.rnn(self.embed(tokens), state)
                    return self.out(h), state
            def train_epoch(model, batches, optimizer):
                h, c = torch.zeros(1, 20, 128), torch.zeros(1, 20, 128)
                for tokens, targets in batches:
                    optimizer.zero_grad()
                    logits, (h, c) = model(tokens, (h, c))
                    loss_fn(logits.view(-1, 1000), targets.view(-1)).backward()
                    optimizer.step()
            train_epoch(LanguageModel(), batches, optimizer)
        """, line=16),
        Invalid("""
            import torch.nn as nn
            cell = nn.RNNCell(4, 8)
            h = None
            for epoch in range(10):
                for x, y in stream:
                    h = cell(x, h)
                    (head(h) - y).pow(2).mean().backward()
        """, line=6),
    ]

    def visit_For(self, node: cst.For) -> None:
        body_code = self.context.module.code_for_node(node.body)
        if any(word in body_code for word in _DETACHING) or not trains(node.body, self.context.info):
            return
        env = self.context.env()
        for state in carried_state(node):
            if state.assignments == 1 and self._recurrent(state.call, env):
                if all(report.node is not state.call for report in self.reports):
                    self.report(state.call, state=state.name)
                return

    def _recurrent(self, call: cst.Call, env: object) -> bool:
        callee = self.context.interpreter.value(call.func, env)  # type: ignore[arg-type]
        if not isinstance(callee, Instance):
            return False
        if callee.qualname in RECURRENT_LAYERS:
            return True
        forward = callee.cls.methods.get("forward") if callee.cls is not None else None
        if forward is None or callee.cls is None or not is_module_class(callee.cls):
            return False
        return not any(word in callee.cls.module.module.code_for_node(forward.node) for word in _DETACHING)

