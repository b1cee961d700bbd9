# expect: nothing
from dataclasses import dataclass

import torch


@dataclass
class TrainConfig:
    lr: float = 0.1
    accumulation: int = 1


cfg = TrainConfig()
model = torch.nn.Linear(5, 5)
opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)


def loop(data):
    for t, (x, y) in enumerate(data):
        loss = torch.nn.functional.mse_loss(model(x), y)
        (loss / cfg.accumulation).backward()
        if t % cfg.accumulation == 0:
            opt.step()
            opt.zero_grad()
