"""python predict.py model.pt inputs.pt"""
import sys

import torch

from net import Net


class Predictor:
    def __init__(self, checkpoint):
        self.model = Net()
        self.model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
        self.model.eval()

    @torch.inference_mode()
    def predict(self, batch):
        return self.model(batch).argmax(dim=1)


def main(checkpoint, inputs):
    model = Net()
    state = torch.load(checkpoint, map_location="cpu")
    model.load_state_dict(state["model"])
    model.eval()
    x = torch.load(inputs)
    with torch.no_grad():
        labels = model(x).argmax(1)
    print(labels.tolist())
    print(Predictor(checkpoint).predict(x).tolist())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
