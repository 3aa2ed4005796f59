from dataclasses import dataclass


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 30_000
    hidden: int = 256
    num_labels: int = 2
    pad_id: int = 0
