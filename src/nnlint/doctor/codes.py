"""The training doctor's finding codes (ND1xx), as catalogue entries.

Imported by ``nnlint rule ND101`` and the generated ``rules/`` pages, so it must
not import torch. Families: ND10x data, ND11x input-output link, ND12x loss,
ND13x overfitting, ND14x gradients, ND15x activations, ND16x updates, ND17x
NaN, ND18x train/eval mode. Thresholds live here too, beside the docs that
quote them, so that a threshold and its documentation cannot drift apart.
"""

from __future__ import annotations

from nnlint.diagnostic import Severity
from nnlint.rule_doc import RuleDoc

# Thresholds (quoted by the docs below and used by nnlint.doctor.checks).
INPUT_SCALE_LIMIT = 5.0  # |mean| or std of an input channel above this is "not standardised"
INPUT_TINY_STD = 0.01  # overall std of a float input below this is "almost constant"
SINGLE_LABEL_MIN_BATCH = 4  # smaller batches hold one label by chance too often
SINGLE_LABEL_FRACTION = 0.25  # report when at least this share of batches holds one label
IMBALANCE_RATIO = 10.0  # most / least frequent class over the sampled batches
IMBALANCE_MIN_SAMPLES = 50
IGNORES_INPUT_TOLERANCE = 1e-3  # zeroed inputs reach a loss within 0.1% of the real inputs' loss (or lower)
MIXING_TOLERANCE = 1e-4  # relative change of other samples' outputs that counts as mixing
CHANCE_TOLERANCE = 0.25  # initial loss above (1 + this) * chance (and at least +0.5) is reported
OVERFIT_PASS_FRACTION = 0.05  # overfitting passes below 5% of the starting loss (or at 100% accuracy)
OVERFIT_STEPS = 200
OVERFIT_SAMPLES = 16  # the fixed batch is cut to this many samples; a batch that cannot be cut (sequence-first) is not judged
GRADIENT_RATIO_LIMIT = 1e4  # first/last layer relative gradient norm beyond 1e4 (or below 1e-4): a deep default-init ReLU stack sits near 3e-4 and still trains
ACTIVATION_BAND = (0.5, 2.0)  # the healthy band for a layer's output std (checklist item 35)
ACTIVATION_REPORT_FACTOR = 10.0  # report only "well outside": 10x beyond the band
DEAD_RELU_FRACTION = 0.7
SATURATION_FRACTION = 0.5
SATURATION_LEVEL = 5.0
UPDATE_RATIO_BAND = (1e-4, 1e-2)  # target about 1e-3
UPDATE_REPORT_FACTOR = 3.0  # report only "well outside": Adam at lr=1e-3 on wide layers sits just above 1e-2 and trains fine
SAME_BATCHES_MIN = 2  # ND191 (distributed): the ranks' first batches compared, at least this many
PARAMETER_TOLERANCE = 1e-6  # ND192 (distributed): relative difference of a parameter's sum or sum of squares across ranks


def _doc(what: str, why: str, example: str, instead: str) -> str:
    """Docs in the catalogue's fixed layout (``nnlint.catalog.REQUIRED_HEADINGS``)."""
    return (
        f"## What it does\n{what}\n\n## Why is this bad?\n{why}\n\n"
        f"## Example\n```python\n{example}\n```\n\n## Use instead\n```python\n{instead}\n```\n"
    )


def _code(code: str, name: str, checklist: tuple[int, ...], summary: str, docs: str, severity: Severity = Severity.WARNING) -> RuleDoc:
    return RuleDoc(code=code, name=name, checklist=checklist, summary=summary, docs=docs, source="doctor", severity=severity)


CODES: list[RuleDoc] = [
    _code("ND101", "non-finite-batch", (1, 3, 37), "NaN or Inf in the inputs or targets the model receives", _doc(
        "Looks at every batch the first layer receives and every target the loss receives during the first steps.",
        "One NaN in a batch turns the loss, then every weight, into NaN. Missing values in a CSV are the usual source.",
        "df = pd.read_csv('data.csv')          # has empty cells\nx = torch.tensor(df.values, dtype=torch.float32)",
        "df = pd.read_csv('data.csv').dropna()  # or impute\nassert torch.isfinite(x).all()"), Severity.ERROR),
    _code("ND102", "unscaled-input", (12, 14), "Inputs far from zero mean and unit scale (raw pixels, unnormalised features)", _doc(
        f"Measures the mean and std of the model's input per channel (images) or per feature, and reports a channel whose |mean| or std exceeds {INPUT_SCALE_LIMIT:g}, an input whose std is below {INPUT_TINY_STD:g}, or `uint8` inputs.",
        "Inputs in [0, 255] or features in the thousands make the first layer's outputs huge: the initial loss is far from chance and the gradients of the first layer dominate.",
        "x = images.float()                     # values 0..255",
        "x = (images.float() / 255 - mean) / std  # per channel"), Severity.WARNING),
    _code("ND103", "all-zero-input", (1, 3), "A batch whose inputs are all zero", _doc(
        "Reports batches in which every input value is exactly zero.",
        "A model cannot learn from zeros: a broken loader, a mask applied twice or an image decoder that failed all look like this.",
        "x = torch.zeros(batch, 3, 32, 32)\nx[mask] = pixels[mask]   # mask is all False",
        "x = pixels               # look at a few batches before training"), Severity.ERROR),
    _code("ND104", "single-label-batches", (7, 10), "Many batches hold a single label: the data is sorted by label", _doc(
        f"Counts the batches (of at least {SINGLE_LABEL_MIN_BATCH} samples) whose classification targets are all the same class, and reports when they are at least {SINGLE_LABEL_FRACTION:.0%} of the batches.",
        "With data sorted by label, every step pulls the model towards one class; it forgets the others and never converges.",
        "loader = DataLoader(dataset, batch_size=32)              # sorted by label",
        "loader = DataLoader(dataset, batch_size=32, shuffle=True)")),
    _code("ND105", "class-imbalance", (8,), "Strong class imbalance over the sampled batches", _doc(
        f"Counts the class labels over the sampled batches (at least {IMBALANCE_MIN_SAMPLES} samples) and reports when the most frequent class is {IMBALANCE_RATIO:g}x the least frequent. Only classification targets count: one label per sample of the batch; a loss given class weights (`weight=`) has the imbalance handled and stays silent. A token-level loss (a language model's `T*B` next-token targets) counts token frequencies, which are not classes to rebalance.\n\n"
        "Threshold source: 10:1 is where the imbalance literature starts calling a dataset highly imbalanced (He and Garcia, \"Learning from Imbalanced Data\", IEEE TKDE 2009) and where a majority-class guess already scores 91%.",
        "A model can reach high accuracy by always predicting the majority class, and the loss hardly rewards learning the rare ones.",
        "loss_fn = nn.CrossEntropyLoss()",
        "loss_fn = nn.CrossEntropyLoss(weight=1 / class_counts)  # or a WeightedRandomSampler")),
    _code("ND106", "repeated-batch", (1, 3), "The model receives the same batch twice in a row while a DataLoader is in use", _doc(
        "Compares each step's input with the previous step's while a DataLoader feeds the script.",
        "`next(iter(loader))` outside the loop, or a Dataset whose `__getitem__` ignores its index, trains on one batch again and again.",
        "x, y = next(iter(loader))\nfor step in range(1000):\n    loss = loss_fn(model(x), y)",
        "for x, y in loader:\n    loss = loss_fn(model(x), y)")),
    _code("ND111", "output-ignores-input", (2, 4), "The model learns as well from zeroed inputs as from the real ones", _doc(
        f"Trains two fresh copies on one fixed batch for the same steps, one with the real inputs and one with the inputs zeroed, and reports when the zeroed inputs reach a loss as low as the real ones (within {IGNORES_INPUT_TOLERANCE:.1%}) while the real run cannot overfit.",
        "If zeroed inputs are as good as real ones, the output does not depend on the input: a wrong tensor is passed on, the input is overwritten, or a branch is disconnected.",
        "def forward(self, x):\n    h = self.encoder(torch.zeros_like(x))",
        "def forward(self, x):\n    h = self.encoder(x)"), Severity.ERROR),
    _code("ND112", "batch-mixing", (2, 25, 32), "Changing one sample changes the outputs of the other samples", _doc(
        f"In eval mode, perturbs sample 0 of a batch and reports when the outputs of the other samples change by more than {MIXING_TOLERANCE:g} (relative).",
        "Samples must be independent at inference. BatchNorm forced into training mode, a statistic over dim 0 or a `view` across the batch leaks information between samples.",
        "h = F.batch_norm(h, None, None, training=True)   # batch statistics even in eval",
        "self.norm = nn.BatchNorm1d(64)                   # running statistics in eval\nh = self.norm(h)")),
    _code("ND121", "initial-loss-off-chance", (17, 19), "The loss at step 0 is far from the chance level -ln(1/C)", _doc(
        f"Compares the first classification loss with the chance level: ln(C) for softmax cross-entropy over C classes (read from the output), ln(2) for binary cross-entropy; reports a loss more than {CHANCE_TOLERANCE:.0%} (and 0.5) above it, NLLLoss fed values that are not log-probabilities, and cross-entropy over one class. Cross-entropy fed probabilities, whose loss sits *at* chance, is ND124.\n\n"
        "Threshold source: -ln(1/C) at initialisation is checklist item 17 (CS231n, \"Neural Networks Part 3\": look for the correct loss at chance performance); the 25% and +0.5 margin was measured on the healthy corpus `fixtures/doctor/healthy/` (default-init classifiers start within 10% of ln C).",
        "At initialisation a classifier should be unsure. A loss far above chance means overconfident initial logits; NLLLoss on raw logits or CrossEntropyLoss on softmax outputs train badly or not at all.",
        "loss = nn.NLLLoss()(model(x), y)          # model returns raw logits",
        "loss = nn.CrossEntropyLoss()(model(x), y)  # takes raw logits"), Severity.WARNING),
    _code("ND122", "loss-broadcast-shapes", (18, 25), "An elementwise loss compares tensors of different shapes, which broadcast", _doc(
        "Reports regression losses (MSE, L1, smooth L1, Huber) whose input and target shapes differ.",
        "`(N, 1)` against `(N,)` broadcasts to `(N, N)`: every prediction is compared with every target and the model learns the mean.",
        "loss = F.mse_loss(model(x), y)          # (N, 1) vs (N,)",
        "loss = F.mse_loss(model(x).squeeze(1), y)"), Severity.ERROR),
    _code("ND123", "loss-target-mismatch", (18, 19), "Targets of the wrong dtype or range for the loss", _doc(
        "Checks class-index targets against the number of classes, probability targets against [0, 1] and their rows summing to 1, and binary cross-entropy targets against [0, 1].",
        "Labels in {-1, 1} or {1..C} silently train the wrong objective, or crash on the GPU with a device-side assert.",
        "loss = F.binary_cross_entropy_with_logits(logits, labels)   # labels in {-1, 1}",
        "loss = F.binary_cross_entropy_with_logits(logits, (labels + 1) / 2)"), Severity.ERROR),
    _code("ND124", "cross-entropy-on-probabilities", (17, 19), "Cross-entropy is fed probabilities (a softmax output) instead of raw logits", _doc(
        "At step 0, reports a cross-entropy loss whose input rows are all in [0, 1] and sum to 1: the output of a softmax.",
        "`cross_entropy` applies log_softmax itself. On probabilities the loss starts at chance and stays near it, because softmax of values in [0, 1] is almost uniform: the gradients are tiny and the model learns slowly or not at all.",
        "logits = self.fc(h)\nreturn torch.softmax(logits, dim=1)   # then nn.CrossEntropyLoss()(output, y)",
        "return self.fc(h)                      # raw logits; softmax only for reporting probabilities"), Severity.WARNING),
    _code("ND131", "cannot-overfit-batch", (27,), "A fresh copy cannot overfit one small fixed batch", _doc(
        f"Trains a fresh copy of the model, with the script's loss and optimizer settings, on one fixed batch of 2-16 samples for up to {OVERFIT_STEPS} steps; it passes when the loss falls below {OVERFIT_PASS_FRACTION:.0%} of its start or the accuracy reaches 100%. A loss still falling by more than 10% over the last quarter of the run is inconclusive (a note, not a finding); the failure is reported only when no data, loss, gradient, activation, update or NaN finding already explains it. Two runs say nothing and stay silent: a batch that could not be cut to {OVERFIT_SAMPLES} samples (a sequence-first `[T, B]` batch whose targets are flattened to `T*B` tokens: hundreds of tokens are not a handful of samples), and a learning rate still rising during the observed steps (a warm-up: the copy trains at a rate the run has not reached yet).\n\n"
        "Threshold sources: the test itself is checklist item 27 (Karpathy, \"A Recipe for Training Neural Networks\", 2019: overfit one batch); 200 steps, 5% and the 10% still-falling rule were measured on the healthy corpus `fixtures/doctor/healthy/`, where every cut batch passes well inside 200 steps.",
        "A network that cannot memorise a handful of samples will not learn the dataset: the loss, the labels, the learning rate or the gradient flow is broken.",
        "for x, y in loader:            # straight to the full data\n    ...",
        "x, y = next(iter(loader))      # first make sure this can be memorised\nfor step in range(200):\n    ...")),
    _code("ND141", "gradient-does-not-reach", (23, 26), "A trained parameter gets no gradient (None or all zeros)", _doc(
        "After each backward pass, lists the parameters of the trained model that require a gradient but receive none (unreachable from the loss: `detach`, `no_grad`, an unused layer) or receive only zeros.",
        "Such a layer never changes: the optimizer steps it with nothing.",
        "h = self.body(x).detach()\nreturn self.head(h)",
        "h = self.body(x)\nreturn self.head(h)"), Severity.WARNING),
    _code("ND142", "frozen-layers-after-trainable", (23,), "The layers after the last trainable layer are frozen", _doc(
        "Reports parameters with `requires_grad=False` in layers that run after every trainable layer (the output head), or a trained model whose every parameter is frozen.",
        "Freezing a backbone is normal; freezing the head leaves the output layer random, so the outputs cannot be fitted.",
        "for p in model.parameters():\n    p.requires_grad = False   # meant the backbone only",
        "for p in model.backbone.parameters():\n    p.requires_grad = False")),
    _code("ND143", "parameter-not-in-optimizer", (23,), "A parameter gets gradients but is in no optimizer group", _doc(
        "Lists parameters of the trained model that receive gradients but belong to no optimizer's parameter groups.",
        "They are computed through but never updated: often a layer added after the optimizer was built, or an optimizer given one sub-module.",
        "optimizer = SGD(model.encoder.parameters(), lr=0.1)",
        "optimizer = SGD(model.parameters(), lr=0.1)")),
    _code("ND144", "vanishing-gradient", (35,), "The first layers get far smaller gradients than the last", _doc(
        f"At step 0, compares the relative gradient norm ||g||/||w|| of the first and the last layer with parameters, embeddings left out (they get gradient only on the rows a batch looks up: 9e-05 next to 8.2 for a dense output layer is like with unlike); reports a ratio below 1/{GRADIENT_RATIO_LIMIT:g}.\n\n"
        "Threshold source: measured; a deep default-init ReLU stack that trains sits near 3e-4, a 12-layer sigmoid stack below 1e-6 (Glorot and Bengio 2010 describe the shrinking per-layer gradients).",
        "The early layers barely learn: saturating activations, a deep plain stack or a bad initialisation shrink the gradient at every layer.",
        "nn.Sequential(*[nn.Sequential(nn.Linear(64, 64), nn.Sigmoid()) for _ in range(12)])",
        "nn.Sequential(*[nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.ReLU()) for _ in range(12)])")),
    _code("ND145", "exploding-gradient", (35,), "The first layers get far larger gradients than the last", _doc(
        f"At step 0, compares the relative gradient norm ||g||/||w|| of the first and the last layer with parameters; reports a ratio above {GRADIENT_RATIO_LIMIT:g}.",
        "Large gradients in early layers mean large, unstable updates there: the loss jumps and can turn NaN.",
        "loss.backward()\noptimizer.step()",
        "loss.backward()\ntorch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\noptimizer.step()")),
    _code("ND151", "activation-scale", (28, 33, 35), "A hidden layer's output std is far outside [0.5, 2] at initialisation", _doc(
        f"Measures each hidden layer's output std at step 0 (the output layer excluded) and reports the first one more than {ACTIVATION_REPORT_FACTOR:g}x outside [{ACTIVATION_BAND[0]:g}, {ACTIVATION_BAND[1]:g}]. A layer whose output next reaches a normalisation (LayerNorm, BatchNorm, GroupNorm, RMSNorm; activations, dropout and other embeddings in between) is not judged: the normalisation resets the scale, so GPT-2's N(0, 0.02) embeddings ahead of `ln_1` are a choice, not a vanishing signal.\n\n"
        "Threshold source: the band is checklist item 35 (unit-variance activations, as He et al. 2015 and Glorot and Bengio 2010 initialise for); the 10x margin was measured on the healthy corpus `fixtures/doctor/healthy/`.",
        "Activations that shrink or grow layer after layer vanish or explode; the gradients follow.",
        "nn.init.normal_(layer.weight, std=1.0)",
        "nn.init.kaiming_normal_(layer.weight, nonlinearity='relu')")),
    _code("ND152", "dead-relu", (28, 33, 36), "Most outputs of a ReLU are zero", _doc(
        f"Reports a ReLU whose outputs are <= 0 for at least {DEAD_RELU_FRACTION:.0%} of the values, as the median over the later half of the observed steps: a share read at the last step alone changed with where the run was cut (a healthy script was reported at 78% with 10 steps and not with 30).\n\n"
        "Threshold source: a ReLU at initialisation outputs <= 0 for about half its values (symmetric pre-activations, He et al. 2015); no script of the healthy corpus `fixtures/doctor/healthy/` reaches 70%.",
        "A unit that is never positive gets no gradient and never recovers; a high learning rate or a negative bias kills units.",
        "nn.init.constant_(layer.bias, -1.0)",
        "nn.init.zeros_(layer.bias)  # and a smaller learning rate")),
    _code("ND153", "saturated-activation", (33, 35), "Most pre-activations of a sigmoid or tanh are beyond +-5", _doc(
        f"Reports a sigmoid or tanh whose inputs are beyond +-{SATURATION_LEVEL:g} for more than {SATURATION_FRACTION:.0%} of the values.",
        "A saturated sigmoid or tanh has a gradient close to zero: the layers below stop learning.",
        "h = torch.sigmoid(self.fc(x_raw))   # unscaled inputs",
        "h = torch.sigmoid(self.fc(x_std))   # standardised inputs, or a normalisation layer first")),
    _code("ND161", "update-ratio", (33, 36), "The update/weight ratio ||dw||/||w|| is far outside its healthy band", _doc(
        f"Measures ||dw||/||w|| per layer around each `optimizer.step()` and reports an optimizer group whose median ratio over the later half of the observed steps is more than {UPDATE_REPORT_FACTOR:g}x outside the healthy band [{UPDATE_RATIO_BAND[0]:g}, {UPDATE_RATIO_BAND[1]:g}]. The high side is reported only while the loss does not fall (the median loss of the later half is not below the first step's): tiny models at a normal learning rate (Adam 1e-2, SGD 0.05 with momentum, the LSTM language model's SGD at lr 5) sit at 0.04-0.07 in their first steps and train fine. A learning-rate schedule that changes the rate during the observed steps is only judged on the high side.\n\n"
        "Threshold sources: the band around 1e-3 is the CS231n heuristic (Karpathy, \"Neural Networks Part 3\", ratio of updates to weights); the 3x margin and the falling-loss condition were measured on the healthy corpus `fixtures/doctor/healthy/`.",
        "The ratio says how much of a weight one step changes: far above 1e-3 the learning rate is too high and training diverges, far below it nothing moves.",
        "optimizer = torch.optim.SGD(model.parameters(), lr=10)",
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)")),
    _code("ND171", "non-finite-origin", (37,), "The loss or a gradient becomes NaN/Inf; the first op that produced it", _doc(
        "When the loss or a gradient stops being finite, replays that step on a copy and names the first module and op, in execution order, whose output (or gradient) is not finite, with its source line.",
        "Once one value is NaN every weight follows. The cause is usually log or division at zero, sqrt at zero, or a learning rate too high.",
        "return torch.log(torch.relu(h))",
        "return torch.log(torch.relu(h) + 1e-6)   # or F.softplus / log_softmax"), Severity.ERROR),
    _code("ND181", "train-mode-in-evaluation", (32,), "The model is evaluated (under no_grad) while in train mode, with Dropout or BatchNorm", _doc(
        "Reports forward passes of the trained model under `torch.no_grad()`/`inference_mode()` while it is in train mode and contains Dropout or BatchNorm.",
        "Dropout then drops units and BatchNorm uses (and updates) batch statistics: evaluation numbers are noisy and the running statistics drift.",
        "with torch.no_grad():\n    val_loss = loss_fn(model(x_val), y_val)",
        "model.eval()\nwith torch.no_grad():\n    val_loss = loss_fn(model(x_val), y_val)\nmodel.train()")),
    _code("ND182", "eval-mode-in-training", (32,), "The model is trained while in eval mode, with Dropout or BatchNorm", _doc(
        "Reports training steps whose forward pass ran with the model in eval mode while it contains Dropout or BatchNorm.",
        "In eval mode Dropout does nothing and BatchNorm never updates its statistics: usually `model.train()` was forgotten after an evaluation.",
        "evaluate(model)   # calls model.eval()\nfor x, y in loader:\n    ...",
        "evaluate(model)\nmodel.train()\nfor x, y in loader:\n    ...")),
    _code("ND191", "same-samples-on-every-rank", (7, 10), "Every rank of a distributed run receives the same batches", _doc(
        f"In a run under `nnlint doctor --nproc-per-node N`, compares digests of each rank's first DataLoader batches and reports when all ranks received the same ones (at least {SAME_BATCHES_MIN}).",
        "Without a `DistributedSampler` (or another sharding by rank) each of the N ranks trains on the whole dataset in the same order: N times the compute for the progress of one process, and an epoch that is N times longer than it looks.",
        "loader = DataLoader(dataset, batch_size=32, shuffle=True)\nmodel = DistributedDataParallel(net)",
        "sampler = DistributedSampler(dataset, shuffle=True)\nloader = DataLoader(dataset, batch_size=32, sampler=sampler)\nfor epoch in range(epochs):\n    sampler.set_epoch(epoch)")),
    _code("ND192", "parameters-diverge-across-ranks", (23,), "The ranks' parameters differ after an optimizer step: each rank trains its own model", _doc(
        f"In a run under `nnlint doctor --nproc-per-node N`, compares each parameter's sum and sum of squares across ranks after each of the first optimizer steps and reports the first step after which they differ (relative tolerance {PARAMETER_TOLERANCE:g}). Sharded models (FSDP, DTensor parameters) hold different shards by design and are not compared.",
        "A model that is not wrapped in `DistributedDataParallel` (or never synchronised), built after a rank-dependent seed, or trained through `model.module` so that DDP's gradient hooks never fire, becomes N different models: the checkpoint rank 0 saves learnt from one shard only.",
        "model = Net()                      # not wrapped\nloss = loss_fn(model(x), y)",
        "model = DistributedDataParallel(Net())\nloss = loss_fn(model(x), y)       # through the wrapper"), Severity.ERROR),
]

BY_CODE: dict[str, RuleDoc] = {doc.code: doc for doc in CODES}
