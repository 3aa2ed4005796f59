class Trainer:
    def __init__(self, model, optimizer, criterion, scheduler=None, log_every=50):
        self.model = model
        self.optimizer = optimizer
        self.criterion = criterion
        self.scheduler = scheduler
        self.log_every = log_every

    def _run_batch(self, tokens, labels):
        self.optimizer.zero_grad()
        scores = self.model(tokens)
        loss = self.criterion(scores, labels.float())
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.item()

    def train(self, loader, epochs):
        self.model.train()
        for epoch in range(epochs):
            for i, (tokens, labels) in enumerate(loader):
                loss = self._run_batch(tokens, labels)
                if i % self.log_every == 0:
                    print(f"epoch {epoch} step {i} loss {loss:.4f}")
            if self.scheduler is not None:
                self.scheduler.step()
