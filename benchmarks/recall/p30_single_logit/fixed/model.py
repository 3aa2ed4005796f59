import torch.nn as nn

from config import ModelConfig


class SentimentModel(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.embed = nn.EmbeddingBag(cfg.vocab_size, cfg.hidden, padding_idx=cfg.pad_id)
        self.classifier = nn.Linear(cfg.hidden, cfg.num_labels)

    def forward(self, tokens):
        return self.classifier(self.embed(tokens))
