import torch
from torch import nn


def fit(x, y, steps=50):
    model = nn.Sequential(nn.Linear(x.size(1), 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=20, history_size=10)
    loss_fn = nn.MSELoss()

    def closure():
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)  # expect: NN401 construct=helper-function
    return model


if __name__ == "__main__":
    inputs = torch.linspace(-3, 3, 200)[:, None]
    fit(inputs, torch.sin(inputs))
