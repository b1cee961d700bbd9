# expect: LSL201@12
from torch.optim import Optimizer
from tqdm import tqdm


def train_one_epoch(model, loader, criterion, optimizer: Optimizer, device):
    accumulation_steps = 4
    model.train()
    for i, (x, y) in enumerate(tqdm(loader)):
        logits = model(x.to(device))
        loss = criterion(logits, y.to(device))
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
