"""Data checks (checklist items 1, 3, 7, 8, 10, 12): what the first layer receives and what the loss is asked to match."""

from __future__ import annotations

from collections import Counter

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import (
    IMBALANCE_MIN_SAMPLES,
    IMBALANCE_RATIO,
    INPUT_SCALE_LIMIT,
    INPUT_TINY_STD,
    SINGLE_LABEL_FRACTION,
    SINGLE_LABEL_MIN_BATCH,
)
from nnlint.doctor.findings import Location, finding, number
from nnlint.doctor.observations import Observations, StepRecord


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    where = obs.model_call or obs.at_script
    return [*_non_finite(obs.steps, where), *_scale(obs.steps, where), *_all_zero(obs.steps, where),
            *_labels(obs.steps, obs.loader_built or where, weighted=any("weight" in call.options for call in obs.loss_calls)), *_repeated(obs, obs.loader_built or where)]


def _steps_text(steps: list[int]) -> str:
    shown = ", ".join(str(step) for step in steps[:5])
    return f"step {shown}" if len(steps) == 1 else f"steps {shown}{', ...' if len(steps) > 5 else ''}"


def _non_finite(steps: list[StepRecord], where: Location) -> list[Diagnostic]:
    inputs = [s.index for s in steps if s.input is not None and not s.input.finite]
    targets = [s.index for s in steps if s.target is not None and not s.target.finite]
    found = []
    for what, indices in (("inputs", inputs), ("targets", targets)):
        if indices:
            found.append(finding("ND101", f"the {what} contain NaN or Inf in {len(indices)} of {len(steps)} steps ({_steps_text(indices)})", where,
                                 "find the NaN/Inf in the data (missing values, division by zero in preprocessing) and drop or impute them"))
    return found


def _scale(steps: list[StepRecord], where: Location) -> list[Diagnostic]:
    inputs = [s.input for s in steps if s.input is not None]
    if not inputs:
        return []
    if inputs[0].dtype == "uint8":
        return [finding("ND102", f"the model receives uint8 inputs (raw bytes, values 0..255), shape {inputs[0].shape}", where,
                        "convert to float and standardise: (x.float() / 255 - mean) / std per channel")]
    usable = [i for i in inputs if i.floating and i.finite and not i.all_zero and i.channel_mean and len(i.channel_std) == len(i.channel_mean)]
    if not usable:
        return []
    channels = len(usable[0].channel_mean)
    usable = [i for i in usable if len(i.channel_mean) == channels]
    means = [sum(i.channel_mean[c] for i in usable) / len(usable) for c in range(channels)]
    stds = [sum(i.channel_std[c] for i in usable) / len(usable) for c in range(channels)]
    worst = max(range(channels), key=lambda c: max(abs(means[c]), stds[c]))
    axis = "channel" if usable[0].channel_axis == 1 and len(usable[0].shape) == 4 else "feature"
    if max(abs(means[worst]), stds[worst]) > INPUT_SCALE_LIMIT:
        return [finding("ND102", f"inputs are not standardised: {axis} {worst} has mean {number(means[worst])} and std {number(stds[worst])} "
                        f"(limit {INPUT_SCALE_LIMIT:g} for |mean| and std; {channels} {axis}s, measured over {len(usable)} batches)", where,
                        f"standardise the inputs per {axis} with statistics from the training split: (x - mean) / std")]
    overall = [i.std for i in usable if i.std is not None]
    if overall and max(overall) < INPUT_TINY_STD:
        return [finding("ND102", f"inputs are almost constant: std {number(max(overall))} (below {INPUT_TINY_STD:g})", where,
                        "check the preprocessing: the inputs may be scaled twice (e.g. divided by 255 twice)")]
    return []


def _all_zero(steps: list[StepRecord], where: Location) -> list[Diagnostic]:
    zero = [s.index for s in steps if s.input is not None and s.input.floating and s.input.all_zero]
    if not zero:
        return []
    return [finding("ND103", f"the inputs are all zeros in {len(zero)} of {len(steps)} steps ({_steps_text(zero)})", where,
                    "look at a few batches: the loader, a mask or the decoding step produces zeros")]


def _labels(steps: list[StepRecord], where: Location, *, weighted: bool) -> list[Diagnostic]:
    labelled = [s for s in steps if s.target is not None and s.target.labels is not None]
    sized = [s for s in labelled if s.target and s.target.labels and sum(s.target.labels.values()) >= SINGLE_LABEL_MIN_BATCH]
    single = [s.index for s in sized if s.target and s.target.labels and len(s.target.labels) == 1]
    if sized and len(single) >= 2 and len(single) >= SINGLE_LABEL_FRACTION * len(sized):
        return [finding("ND104", f"{len(single)} of {len(sized)} batches hold a single label ({_steps_text(single)}): the data looks sorted by label", where,
                        "shuffle the training data (DataLoader(..., shuffle=True)), inputs and labels together")]
    counts: Counter[int] = Counter()
    for s in filter(_one_label_per_sample, labelled):
        counts.update(s.target.labels if s.target and s.target.labels else {})
    total = sum(counts.values())
    if len(counts) < 2 or total < IMBALANCE_MIN_SAMPLES or weighted:  # class weights in the loss: the imbalance is handled
        return []
    (common, most), (rare, least) = counts.most_common()[0], counts.most_common()[-1]
    if most < IMBALANCE_RATIO * least:
        return []
    return [finding("ND105", f"class {common} has {most} samples and class {rare} has {least} over {total} sampled labels "
                    f"(ratio {number(most / least)}, limit {IMBALANCE_RATIO:g})", where,
                    "weight the loss by inverse class frequency or resample (WeightedRandomSampler); watch per-class metrics")]


def _one_label_per_sample(step: StepRecord) -> bool:
    """As many labels as the batch has samples: classification. A token-level loss (a language model's ``T*B`` targets) counts
    token frequencies, which are not classes to rebalance (the end-of-sentence token is frequent by nature)."""
    if step.input is None or not step.input.shape or step.target is None or step.target.labels is None:
        return False
    return sum(step.target.labels.values()) <= step.input.shape[0]


def _repeated(obs: Observations, where: Location) -> list[Diagnostic]:
    """The same input twice in a row, while a DataLoader drives training (full-batch training without one is legitimate)."""
    steps = obs.steps
    if not obs.loader_used or not steps or not steps[0].fresh_loader_batch:
        return []
    stale = [s.index for s in steps if s.input_repeated and not s.fresh_loader_batch]
    duplicated = [s.index for s in steps if s.input_repeated and s.fresh_loader_batch and s.same_loader_pass]
    if stale:
        return [finding("ND106", f"the model received the same batch again in {len(stale)} of {len(steps)} steps "
                        "while the DataLoader yielded no new batch", where,
                        "iterate the loader inside the training loop (for x, y in loader) instead of reusing next(iter(loader))")]
    if duplicated:
        return [finding("ND106", f"the DataLoader returned the same batch twice in a row in {len(duplicated)} of {len(steps)} steps", where,
                        "check the Dataset's __getitem__: it may ignore its index")]
    return []
