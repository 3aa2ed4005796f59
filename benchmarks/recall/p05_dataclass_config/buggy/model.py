from torch import nn

from config import TrainConfig


def build_model(cfg: TrainConfig, in_features: int) -> nn.Module:
    layers = []
    width = in_features
    for hidden in cfg.hidden_sizes:
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(p=cfg.dropout)]
        width = hidden
    layers.append(nn.Linear(width, cfg.num_classes))
    return nn.Sequential(*layers)
