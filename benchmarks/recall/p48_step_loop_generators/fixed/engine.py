import torch


class Evaluator:
    def __init__(self, model, loader, task="main"):
        self.model = model
        self.loader = loader
        self.task = task

    @torch.no_grad()
    def run(self):
        self.model.eval()
        correct = total = 0
        for x, y in self.loader:
            outputs = self.model(x)
            correct += (outputs[self.task].argmax(1) == y).sum().item()
            total += y.numel()
        self.model.train()
        return correct / total
