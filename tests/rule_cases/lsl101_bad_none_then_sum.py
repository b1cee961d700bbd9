# expect: LSL101@19
import torch
from torch import nn, optim


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.criterion = nn.BCEWithLogitsLoss(reduction="none")
        self.optimizer = optim.SGD(model.parameters(), lr=lr)

    def compute_loss(self, x, y):
        logits = self.model(x)
        return self.criterion(logits, y)

    def train_step(self, x, y):
        self.optimizer.zero_grad()
        per_sample = self.compute_loss(x, y)
        loss = per_sample.sum()
        loss.backward()
        self.optimizer.step()
