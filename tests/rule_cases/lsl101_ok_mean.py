# expect: nothing
import torch.nn as nn
from torch import optim

model = nn.Linear(20, 5)
optimizer = optim.SGD(model.parameters(), lr=0.01, weight_decay=5e-4)
criterion = nn.CrossEntropyLoss()

for inputs, targets in []:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
