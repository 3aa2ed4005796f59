import torch
from torch.utils.data import TensorDataset

from model import ConvTagger
from trainer import Trainer, TrainerConfig

data = TensorDataset(torch.randint(0, 1000, (640, 30)), torch.randint(0, 9, (640, 30)))
trainer = Trainer(ConvTagger(1000), data, TrainerConfig())
trainer.grow_vocab(1200)
trainer.fit()
