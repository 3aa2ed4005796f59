import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset


def load(path="houses.csv"):
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    features, prices = table[:, :-1], table[:, -1]
    rng = np.random.default_rng(0)
    rng.shuffle(features)  # expect: NN102 construct=local-variable
    features = StandardScaler().fit_transform(features)  # expect: NN201 construct=local-variable
    x_train, x_test, y_train, y_test = train_test_split(features, prices, test_size=0.2, random_state=0)
    to_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32)
    train_loader = DataLoader(TensorDataset(to_tensor(x_train), to_tensor(y_train)), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(to_tensor(x_test), to_tensor(y_test)), batch_size=256)
    return train_loader, test_loader
