import torch
import torch.nn.functional as F


@torch.no_grad()
def batch_metrics(logits, target):
    probs = F.softmax(logits, dim=1)
    confidence = probs.max(dim=1).values.mean()
    nll = -F.log_softmax(logits, dim=1).gather(1, target[:, None]).mean()
    return {"confidence": confidence.item(), "nll": nll.item()}


@torch.no_grad()
def binary_hits(score, target):
    return ((score > 0).long() == target).float().mean().item()
