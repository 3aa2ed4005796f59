import torch


class Evaluator:
    def __init__(self, model, loader, task="main"):
        self.model = model
        self.loader = loader
        self.task = task

    @torch.no_grad()
    def run(self):
        correct = total = 0
        for x, y in self.loader:
            outputs = self.model(x)  # expect: NN402 construct=self-attribute,cross-file
            correct += (outputs[self.task].argmax(1) == y).sum().item()
            total += y.numel()
        return correct / total
