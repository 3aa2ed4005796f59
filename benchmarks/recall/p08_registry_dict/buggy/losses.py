"""Loss functions by name, so that experiments can pick one from the config."""
from torch import nn

LOSSES = {
    "nll": nn.NLLLoss,
    "ce": nn.CrossEntropyLoss,
    "smooth_ce": lambda: nn.CrossEntropyLoss(label_smoothing=0.1),
}


def build_loss(name: str) -> nn.Module:
    return LOSSES[name]()
