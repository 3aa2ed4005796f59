"""Short titles of the 37 checklist items, so a report can say what "item 19" means.

Taken from the bold titles in the project's checklist (Slav Ivanov's "37 Reasons
why your Neural Network is not working"); the numbers are the vocabulary every
rule, trace check and doctor check uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLES: Mapping[int, str] = MappingProxyType(
    {
        1: "Check the input data",
        2: "Try random input",
        3: "Check the data loader",
        4: "Inputs connected to outputs",
        5: "Input-output relation too random",
        6: "Too much label noise",
        7: "Shuffle the dataset",
        8: "Class imbalance",
        9: "Enough training examples",
        10: "No single-label batches",
        11: "Batch size too large",
        12: "Standardise the features",
        13: "Too much augmentation",
        14: "Pretrained model preprocessing",
        15: "Preprocessing statistics from the training split only",
        16: "Solve a simpler version first",
        17: "Loss at chance",
        18: "Check the loss function",
        19: "Loss input conventions",
        20: "Loss weights",
        21: "Monitor other metrics",
        22: "Test custom layers",
        23: "Frozen layers or variables",
        24: "Network too small",
        25: "Hidden dimension bugs",
        26: "Gradient checking",
        27: "Overfit a tiny dataset",
        28: "Weight initialisation",
        29: "Hyperparameters",
        30: "Less regularisation",
        31: "Give it time",
        32: "Train vs test mode",
        33: "Visualise training",
        34: "Try another optimiser",
        35: "Exploding / vanishing gradients",
        36: "Learning rate",
        37: "NaN",
    }
)


def describe_items(items: tuple[int, ...]) -> str:
    """``item 19 (Loss input conventions)`` or ``items 19 (...), 23 (...)``; unknown numbers stay bare."""
    parts = [f"{item} ({TITLES[item]})" if item in TITLES else str(item) for item in items]
    return f"item{'s' if len(items) != 1 else ''} {', '.join(parts)}"
