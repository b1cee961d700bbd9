# expect: nothing
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader


def train(model, dataset, batch_size=1024, accum_steps=1):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for n, (x, y) in enumerate(loader):
        (F.cross_entropy(model(x), y) / accum_steps).backward()
        if n % accum_steps == accum_steps - 1:
            opt.step()
            opt.zero_grad()
