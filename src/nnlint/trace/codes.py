"""Every finding code of the model tracer (NT1xx), with its docs.

This module is read by the rule catalogue and by ``nnlint rule NT101``, which
must work without torch: it imports nothing but the catalogue's data classes.
"""

from __future__ import annotations

from nnlint.diagnostic import Severity
from nnlint.rule_doc import RuleDoc


def _doc(
    code: str, name: str, checklist: tuple[int, ...], summary: str, docs: str, severity: Severity = Severity.WARNING
) -> RuleDoc:
    return RuleDoc(code, name, checklist, summary, docs.strip() + "\n", "trace", severity=severity)


CODES: list[RuleDoc] = [
    _doc(
        "NT101",
        "view-reorders-dims",
        (25,),
        "view/reshape moves a dimension past another, as if it were a transpose",
        """
## What it does
Follows every free input dimension (given a prime size) through `view`, `reshape`
and `flatten`, and reports a reshape whose output lists the same dimensions in a
different order than its input, e.g. `(B, T, 64)` viewed as `(B, 64, T)`, or a
merged `B*T` split back as `(T, B)`.

## Why is this bad?
`view` and `reshape` never move data: they only regroup neighbouring axes. Used
to "swap" two axes they silently interleave unrelated values. With square test
shapes such as (64, 64, 64) the result has the right shape and the network trains,
just badly (checklist item 25, hidden dimension bugs).

## Example
```python
heads = x.view(B, T, 8, 8).transpose(1, 2)        # (B, 8, T, 8)
out = heads.view(B, T, 64)                        # NT101: 8 and T are interleaved
```

## Use instead
```python
out = heads.transpose(1, 2).reshape(B, T, 64)      # move the axis back first
```
""",
    ),
    _doc(
        "NT102",
        "batch-merged-into-features",
        (25,),
        "the batch dimension is merged into (or contracted as) the features of a Linear, matmul or conv",
        """
## What it does
Reports a `Linear`, `matmul`/`@`, `bmm` or convolution whose feature (contracted)
dimension contains the batch dimension: for instance `x.view(-1)` followed by a
`Linear`, or `x.T @ x` over the batch. A `B*T` merge in the *leading* dimension
(token-level heads, `logits.view(-1, V)`) is fine and is not reported.

## Why is this bad?
Samples of a batch must stay independent. Once the batch is part of the features,
every output depends on every sample in the batch: the model learns batch
statistics, its output changes with the batch size, and evaluation with another
batch size breaks (checklist item 25).

## Example
```python
x = self.conv(x)                  # (B, 16, 5, 5)
x = self.fc(x.view(-1))           # NT102: Linear features are B*16*5*5
```

## Use instead
```python
x = self.fc(x.flatten(1))         # (B, 400): keep the batch first
```
""",
    ),
    _doc(
        "NT103",
        "output-not-batch-first",
        (25,),
        "the model's output does not keep the batch dimension where the input had it",
        """
## What it does
Checks each tensor the model returns: when the input has the batch dimension
first, the output's batch dimension must also come first (alone or as the
leading factor of a merged dimension such as `B*T`).

## Why is this bad?
Losses and metrics pair output row *i* with target row *i*. An output that comes
back as `(T, B, V)` or flattened time-major as `(T*B, V)` still has a valid shape
for `cross_entropy`, and the network learns to match the wrong targets
(checklist item 25).

## Example
```python
def forward(self, x):              # x: (B, T, D)
    h, _ = self.rnn(x.transpose(0, 1))
    return self.head(h)            # NT103: (T, B, V)
```

## Use instead
```python
    return self.head(h).transpose(0, 1)    # (B, T, V)
```
""",
    ),
    _doc(
        "NT104",
        "reduction-over-batch",
        (19, 25),
        "softmax, normalisation or a reduction runs over the batch dimension inside the model",
        """
## What it does
Reports `softmax`, `log_softmax`, `normalize` and reductions (`sum`, `mean`, `max`,
`min`, `argmax`, `logsumexp`, `std`, `var`, `norm`, ...) whose `dim` is, or contains,
the batch dimension, including the legacy implicit `dim` of `F.softmax(x)` on a
3-D input. Normalisation layers (BatchNorm and friends) and loss modules are not
reported.

## Why is this bad?
A softmax over the batch turns class scores into "which sample of the batch"
scores; a sum or mean over the batch mixes samples. The loss still goes down, but
predictions depend on the other samples in the batch (checklist items 19 and 25).

## Example
```python
probs = F.softmax(logits, dim=0)   # NT104: logits is (B, C)
```

## Use instead
```python
probs = F.softmax(logits, dim=-1)
```
""",
    ),
    _doc(
        "NT105",
        "broadcast-grows-both",
        (25,),
        "a broadcast makes the result larger than both operands, in different dimensions",
        """
## What it does
Reports an elementwise operation between two tensors computed from the input
whose result is larger than *both* operands, each operand being stretched along a
different dimension: `(B, 1, D) + (B, T, 1)` gives `(B, T, D)`, and `(B, 1) - (B,)`
gives `(B, B)`. Operations where both sides were deliberately shaped for an outer
product (`a[:, None] * b[None, :]`, `unsqueeze`) are not reported.

## Why is this bad?
Broadcasting never fails loudly. A prediction of shape `(B, 1)` compared to a
target of shape `(B,)` silently builds a `(B, B)` matrix, and the mean over it
trains every output towards the average target (checklist item 25).

## Example
```python
err = self.head(x) - y             # (B, 1) - (B,) -> (B, B): NT105
```

## Use instead
```python
err = self.head(x).squeeze(-1) - y     # (B,) - (B,)
```
""",
    ),
    _doc(
        "NT106",
        "frozen-parameters",
        (23,),
        "parameters with requires_grad=False, listed per module",
        """
## What it does
Lists the modules whose parameters have `requires_grad=False`, collapsed to the
highest module that is entirely frozen (one line for a frozen backbone, not one
per layer). It is information: freezing a pretrained backbone is a choice.

## Why is this bad?
Accidentally frozen layers are a classic reason a network does not learn: a
`requires_grad_(False)` left over from an experiment, or a fine-tuning recipe that
froze more than intended (checklist item 23). Seeing the list makes it a choice.

## Example
```python
for p in model.parameters():
    p.requires_grad = False        # NT106: the whole model, including the new head
model.fc = nn.Linear(512, 10)
```

## Use instead
```python
for p in model.backbone.parameters():
    p.requires_grad = False        # freeze only what you mean to
```
""",
        severity=Severity.INFO,
    ),
    _doc(
        "NT107",
        "frozen-head",
        (23,),
        "the layer that produces the output, or every parameter, is frozen",
        """
## What it does
Reports a model whose output layer (the last module with parameters on the way to
the output) has all its parameters frozen, or a model with no trainable
parameter at all.

## Why is this bad?
A frozen backbone is a common recipe; a frozen *head* almost never is. With the
head frozen the task-specific layer keeps its random initialisation and the loss
plateaus at chance (checklist item 23).

## Example
```python
model.requires_grad_(False)
model.classifier = nn.Linear(768, 2)
model.classifier.requires_grad_(False)   # NT107
```

## Use instead
```python
model.requires_grad_(False)
model.classifier.requires_grad_(True)
```
""",
    ),
    _doc(
        "NT108",
        "unreachable-module",
        (23, 24),
        "a module never reaches the model's output, or is built and never called",
        """
## What it does
Reports modules whose parameters have no path to the output in the traced forward
pass: built in `__init__` and never called, or called and then discarded. A module
without parameters (a Dropout, an activation) is reported when forward never calls
it and no method of its owner mentions it.

## Why is this bad?
Its parameters get no gradient, so it never learns; the optimizer still holds it,
the parameter count overstates the capacity of the model, and the author usually
believes the layer is in use (checklist items 23 and 24). An uncalled Dropout or
activation is regularisation or a non-linearity the author believes is there.

## Example
```python
self.dropout = nn.Dropout(0.1)           # NT108: forward never calls it
self.proj = nn.Linear(256, 256)          # NT108: forward never calls it
def forward(self, x):
    return self.head(x)
```

## Use instead
```python
def forward(self, x):
    return self.head(self.dropout(self.proj(x)))
```
""",
    ),
    _doc(
        "NT109",
        "unreachable-parameter",
        (23, 24),
        "a parameter never reaches the model's output",
        """
## What it does
Reports single `nn.Parameter`s (registered directly on a module) that no
operation on the way to the output uses, when the rest of their module is used.

## Why is this bad?
The parameter receives no gradient, so it keeps its initial value; typically a
scale or bias registered and then forgotten in `forward` (checklist items 23 and 24).

## Example
```python
self.scale = nn.Parameter(torch.ones(d))     # NT109: forward never uses it
def forward(self, x):
    return self.proj(x)
```

## Use instead
```python
def forward(self, x):
    return self.proj(x) * self.scale
```
""",
    ),
    _doc(
        "NT110",
        "nan-prone-op",
        (37,),
        "log, div, sqrt, rsqrt, pow, exp, acos, asin or atanh on an input nothing guards",
        """
## What it does
Tracks a value range for every tensor computed from the input and reports `log`,
`sqrt`, `rsqrt`, division, `pow` with a fractional or negative exponent, `exp`,
`acos`, `asin` and `atanh` whose operand can reach the bad region: zero or
negative for log/sqrt/rsqrt/div/pow, unbounded above for exp, outside (-1, 1) for
the inverse trigonometric functions. Guards that make it safe: `clamp`/`clamp_min`,
adding a positive constant (`+ eps`), `softplus`, `exp`, and bounded functions such
as `sigmoid`/`tanh` where they fit.

## Why is this bad?
NaN and Inf come from the log or square root of zero or negatives, division by
zero and overflowing exponentials; one NaN spreads to every weight in one step
(checklist item 37). Gradients make it worse: `sqrt` at 0 has an infinite gradient.

## Example
```python
x = x / x.norm(dim=-1, keepdim=True)   # NT110: the norm can be 0
```

## Use instead
```python
x = x / x.norm(dim=-1, keepdim=True).clamp_min(1e-8)    # or F.normalize(x, dim=-1)
```
""",
    ),
    _doc(
        "NT111",
        "log-of-probabilities",
        (19, 37),
        "log(softmax(x)) or log(sigmoid(x)): use log_softmax / logsigmoid",
        """
## What it does
Reports `log` applied to the output of `softmax` or `sigmoid`.

## Why is this bad?
Probabilities underflow to exactly 0 for confident predictions; their log is
`-inf` and the gradient NaN. `log_softmax` and `logsigmoid` compute the same
values in a stable way (checklist items 19 and 37). It is also a hint that an
`NLLLoss`/`CrossEntropyLoss` convention got mixed up.

## Example
```python
logp = torch.log(F.softmax(logits, dim=-1))     # NT111
```

## Use instead
```python
logp = F.log_softmax(logits, dim=-1)
```
""",
    ),
    _doc(
        "NT112",
        "norm-module-reused",
        (32,),
        "the same BatchNorm (or other running-statistics norm) instance is called at two places",
        """
## What it does
Reports a normalisation module with running statistics (BatchNorm, InstanceNorm
with `track_running_stats=True`) that the forward pass calls more than once.

## Why is this bad?
Its running mean and variance then average two different distributions, so the
statistics used in `eval()` mode match neither call site: the model trains fine
and evaluates badly (checklist item 32).

## Example
```python
self.bn = nn.BatchNorm2d(64)
def forward(self, x):
    x = self.bn(self.conv1(x))
    return self.bn(self.conv2(x))        # NT112
```

## Use instead
```python
self.bn1, self.bn2 = nn.BatchNorm2d(64), nn.BatchNorm2d(64)
```
""",
    ),
]

BY_CODE: dict[str, RuleDoc] = {doc.code: doc for doc in CODES}
