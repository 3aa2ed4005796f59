import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Tagger(nn.Module):
    def __init__(self, vocab=8000, tags=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, 100)
        self.rnn = nn.LSTM(100, 128, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.5)
        self.head = nn.Linear(256, tags)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(self.drop(out))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = total = 0
    for tokens, tags in loader:
        predictions = model(tokens).argmax(-1)
        correct += (predictions == tags).sum().item()
        total += tags.numel()
    return correct / total


def main(eval_steps=200):
    tokens, tags = torch.randint(0, 8000, (5000, 40)), torch.randint(0, 9, (5000, 40))
    train_loader = DataLoader(TensorDataset(tokens[:4500], tags[:4500]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(tokens[4500:], tags[4500:]), batch_size=64)
    model = Tagger()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    global_step = 0
    for epoch in range(10):
        model.train()
        for tokens, tags in train_loader:
            logits = model(tokens)
            loss = criterion(logits.reshape(-1, 9), tags.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            global_step += 1
            if global_step % eval_steps == 0:
                print(global_step, evaluate(model, val_loader))
                model.train()


if __name__ == "__main__":
    main()
