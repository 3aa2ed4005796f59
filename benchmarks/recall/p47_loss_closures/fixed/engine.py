def train_one_epoch(model, loader, optimizer, loss_fn, aux_fn=None, aux_weight=0.3):
    model.train()
    total = 0.0
    for images, targets in loader:
        logits, aux_logits = model(images)
        loss = loss_fn(logits, targets)
        if aux_fn is not None:
            loss = loss + aux_weight * aux_fn(aux_logits, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)
