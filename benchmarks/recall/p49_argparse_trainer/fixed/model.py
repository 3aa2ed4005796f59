import torch.nn as nn


class SpamClassifier(nn.Module):
    def __init__(self, vocab_size, dim=100):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.fc = nn.Linear(dim, 1)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens)).squeeze(1)
