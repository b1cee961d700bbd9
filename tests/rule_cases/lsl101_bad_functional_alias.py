# expect: LSL101@12
import torch.nn.functional as F
from torch.optim import SGD as PlainSGD


def fit(model, loader, epochs):
    opt = PlainSGD(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            out = model(x)
            loss = F.mse_loss(out, y, reduction="sum")
            loss.backward()
            opt.step()
