from dataclasses import dataclass, field


@dataclass
class OptimConfig:
    name: str = "adamw"
    lr: float = field(default=0.3)  # expect: NN414 construct=dataclass-config,cross-file
    weight_decay: float = field(default=0.05)


@dataclass
class DataConfig:
    batch_size: int = 256
    loader_kwargs: dict = field(default_factory=lambda: {"num_workers": 4, "pin_memory": True})


@dataclass
class ModelConfig:
    hidden: int = 512
    dropout: float = field(default=0.9)  # expect: NN415 construct=dataclass-config,cross-file,helper-function
    num_classes: int = 10


@dataclass
class TrainConfig:
    optim: OptimConfig = field(default_factory=OptimConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    epochs: int = 20
