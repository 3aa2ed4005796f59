"""All hyper-parameters in one place."""
from dataclasses import dataclass, field
from typing import Tuple


@dataclass
class TrainConfig:
    data_dir: str = "data/"
    epochs: int = 20
    batch_size: int = 128
    lr: float = 2.0  # expect: NN414 construct=dataclass-config,cross-file
    betas: Tuple[float, float] = (0.9, 0.999)
    hidden_sizes: Tuple[int, ...] = field(default_factory=lambda: (256, 128))
    dropout: float = 0.9  # expect: NN415 construct=dataclass-config,cross-file
    num_classes: int = 10
