# expect: LSL101
# The default changed, but the only caller passes its own batch size: what runs did not change.
import torch
from torch import nn
from torch.utils.data import DataLoader


def train(model, dataset, batch_size=1024, lr=0.05):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for inputs, targets in loader:
        optimizer.zero_grad()
        criterion(model(inputs), targets).backward()
        optimizer.step()


train(nn.Linear(4, 1), [], batch_size=64)
