# expect: nothing
import torch
from omegaconf import OmegaConf

cfg = OmegaConf.load("configs/train.yaml")
model = torch.nn.Linear(32, 10)
optimizer = torch.optim.SGD(model.parameters(), lr=cfg.optim.lr, momentum=0.9)
criterion = torch.nn.CrossEntropyLoss()


def epoch(loader):
    optimizer.zero_grad()
    for i, (images, labels) in enumerate(loader):
        loss = criterion(model(images), labels) / cfg.train.grad_accum
        loss.backward()
        if (i + 1) % cfg.train.grad_accum == 0:
            optimizer.step()
            optimizer.zero_grad()
