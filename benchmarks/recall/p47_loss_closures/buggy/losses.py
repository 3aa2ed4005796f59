import torch
import torch.nn as nn
import torch.nn.functional as F


def make_criterion(label_smoothing=0.0):
    ce = nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def criterion(logits, targets):
        probs = torch.softmax(logits, dim=1)
        return ce(probs, targets)  # expect: NN302 construct=helper-function,cross-file

    return criterion


def make_aux_loss():
    return lambda logits, targets: F.nll_loss(logits, targets)  # expect: NN301 construct=helper-function,cross-file
