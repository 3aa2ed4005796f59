import torch
import torch.nn.functional as F


def soft_dice_loss(logits, target, eps=1e-6):
    probs = torch.sigmoid(logits)
    inter = (probs * target).sum()
    return 1 - (2 * inter + eps) / (probs.sum() + target.sum() + eps)


def accuracy_loss(logits, target):
    """1 - expected accuracy under the softmax: a differentiable stand-in for 1 - accuracy."""
    probs = F.softmax(logits, dim=1)
    return 1.0 - probs.gather(1, target[:, None]).mean()


def total_loss(logits, target):
    return F.cross_entropy(logits, target)
