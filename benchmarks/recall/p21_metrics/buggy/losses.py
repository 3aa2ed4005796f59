import torch
import torch.nn.functional as F


def soft_dice_loss(logits, target, eps=1e-6):
    probs = torch.sigmoid(logits)
    inter = (probs * target).sum()
    return 1 - (2 * inter + eps) / (probs.sum() + target.sum() + eps)


def accuracy_loss(logits, target):
    """1 - accuracy, as a loss to minimise."""
    preds = logits.argmax(dim=1)
    return 1.0 - (preds == target).float().mean()  # expect: NN315 construct=cross-file,helper-function


def total_loss(logits, target):
    ce = F.cross_entropy(logits, target)
    return torch.tensor(ce.item(), requires_grad=True)  # expect: NN310 construct=cross-file,helper-function
