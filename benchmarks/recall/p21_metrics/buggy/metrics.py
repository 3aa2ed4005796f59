import torch
import torch.nn.functional as F


@torch.no_grad()
def batch_metrics(logits, target):
    probs = F.softmax(logits, dim=0)  # expect: NN306 construct=cross-file
    confidence = probs.max(dim=1).values.mean()
    nll = -torch.log(F.softmax(logits, dim=1)).gather(1, target[:, None]).mean()  # expect: NN412 construct=cross-file
    return {"confidence": confidence.item(), "nll": nll.item()}


@torch.no_grad()
def binary_hits(score, target):
    return ((score > 0.5).long() == target).float().mean().item()  # expect: NN418 construct=cross-file,helper-function
