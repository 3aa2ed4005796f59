import torch
import torch.nn as nn
from accelerate import Accelerator
from torch.optim import AdamW
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm


class BagOfWords(nn.Module):
    def __init__(self, vocab_size, num_classes, dim=64):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, dim)
        self.drop = nn.Dropout(0.1)
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        return self.classifier(self.drop(self.embed(tokens)))


def get_dataloaders(batch_size):
    tokens = torch.randint(0, 5000, (2048, 32))
    labels = torch.randint(0, 4, (2048,))
    train_ds = TensorDataset(tokens[:1800], labels[:1800])
    eval_ds = TensorDataset(tokens[1800:], labels[1800:])
    train_dataloader = DataLoader(train_ds, batch_size=batch_size, shuffle=True, drop_last=True)
    eval_dataloader = DataLoader(eval_ds, batch_size=batch_size * 2)
    return train_dataloader, eval_dataloader


def training_function(config):
    accelerator = Accelerator()
    train_dataloader, eval_dataloader = get_dataloaders(config["batch_size"])
    model = BagOfWords(5000, 4)
    optimizer = AdamW(params=model.parameters(), lr=config["lr"])
    criterion = nn.CrossEntropyLoss()
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader
    )
    for epoch in range(config["num_epochs"]):
        model.train()
        for tokens, labels in tqdm(train_dataloader, disable=not accelerator.is_local_main_process):
            logits = model(tokens)
            loss = criterion(logits, labels)
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()

        model.eval()
        correct = 0
        for tokens, labels in eval_dataloader:
            with torch.no_grad():
                logits = model(tokens)
            predictions = logits.argmax(dim=-1)
            predictions, references = accelerator.gather_for_metrics((predictions, labels))
            correct += (predictions == references).sum().item()
        accelerator.print(f"epoch {epoch}: {correct}")


def main():
    config = {"lr": 2e-5, "num_epochs": 3, "seed": 42, "batch_size": 16}
    training_function(config)


if __name__ == "__main__":
    main()
