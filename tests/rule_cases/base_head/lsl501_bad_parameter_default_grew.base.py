# base of lsl501_bad_parameter_default_grew.head.py (tests/test_base_head_cases.py)
import torch
from torch import nn
from torch.utils.data import DataLoader


def train(model, dataset, batch_size=256, lr=0.05):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for inputs, targets in loader:
        optimizer.zero_grad()
        criterion(model(inputs), targets).backward()
        optimizer.step()
