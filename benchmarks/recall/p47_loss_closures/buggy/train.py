import torch
from torch.utils.data import DataLoader, TensorDataset

from engine import train_one_epoch
from losses import make_aux_loss, make_criterion
from model import NetWithAux


def main():
    data = TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 10, (1024,)))
    loader = DataLoader(data, batch_size=64, shuffle=True)
    model = NetWithAux()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = make_criterion(label_smoothing=0.1)
    for epoch in range(10):
        loss = train_one_epoch(model, loader, optimizer, loss_fn=loss_fn, aux_fn=make_aux_loss())
        print(epoch, loss)


if __name__ == "__main__":
    main()
