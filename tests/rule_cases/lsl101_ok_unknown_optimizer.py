# expect: nothing
import torch.nn as nn
from mylib import make_optimizer

model = nn.Linear(20, 5)
optimizer = make_optimizer(model)
criterion = nn.CrossEntropyLoss(reduction="sum")

for inputs, targets in []:
    optimizer.zero_grad()
    criterion(model(inputs), targets).backward()
    optimizer.step()
