from dataclasses import dataclass, field


@dataclass
class OptimConfig:
    name: str = "adamw"
    lr: float = field(default=3e-4)
    weight_decay: float = field(default=0.05)


@dataclass
class DataConfig:
    batch_size: int = 256
    loader_kwargs: dict = field(default_factory=lambda: {"num_workers": 4, "pin_memory": True, "shuffle": True})


@dataclass
class ModelConfig:
    hidden: int = 512
    dropout: float = field(default=0.1)
    num_classes: int = 10


@dataclass
class TrainConfig:
    optim: OptimConfig = field(default_factory=OptimConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    epochs: int = 20
