import torch
import torch.nn as nn
import torch.nn.functional as F
from accelerate import Accelerator
from torch.utils.data import DataLoader, TensorDataset


class TextCNN(nn.Module):
    def __init__(self, vocab, classes):
        super().__init__()
        self.embed = nn.Embedding(vocab, 128)
        self.conv = nn.Conv1d(128, 128, 3, padding=1)
        self.dropout = nn.Dropout(0.3)
        self.out = nn.Linear(128, classes)

    def forward(self, tokens):
        h = self.conv(self.embed(tokens).transpose(1, 2)).relu().amax(dim=2)
        return self.out(self.dropout(h))


def main():
    accelerator = Accelerator()
    tokens, labels = torch.randint(0, 20000, (10000, 64)), torch.randint(0, 5, (10000,))
    train_loader = DataLoader(TensorDataset(tokens[:9000], labels[:9000]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(tokens[9000:], labels[9000:]), batch_size=64)
    model = TextCNN(20000, 5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
    model, optimizer, train_loader, val_loader = accelerator.prepare(model, optimizer, train_loader, val_loader)
    for epoch in range(5):
        model.train()
        for tokens, labels in train_loader:
            logits = model(tokens)
            loss = F.nll_loss(logits, labels)  # expect: NN301 construct=accelerate-api,tuple-return,functional
            accelerator.backward(loss)
            optimizer.step()  # expect: NN401 construct=accelerate-api
        model.eval()
        correct = 0
        for tokens, labels in val_loader:
            predictions = model(tokens).argmax(dim=-1)  # expect: NN409 construct=accelerate-api,tuple-return
            predictions, labels = accelerator.gather_for_metrics((predictions, labels))
            correct += (predictions == labels).sum().item()
        accelerator.print(epoch, correct)


if __name__ == "__main__":
    main()
