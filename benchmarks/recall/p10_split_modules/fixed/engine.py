"""One training epoch and one evaluation pass."""
import torch
from tqdm import tqdm


def train_one_epoch(model, loader, criterion, optimizer, device, epoch):
    model.train()
    running = 0.0
    for step, (images, targets) in enumerate(tqdm(loader, desc=f"epoch {epoch}")):
        images, targets = images.to(device), targets.to(device)
        outputs = model(images)
        loss = criterion(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / (step + 1)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        outputs = model(images)
        correct += (outputs.argmax(1) == targets).sum().item()
        total += targets.numel()
    return correct / total
