# expect: LSL102@7
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(20, 5)
optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss(reduction="sum")
lam = 1e-3

for inputs, targets in []:
    optimizer.zero_grad()
    l2 = 0.0
    for p in model.parameters():
        l2 = l2 + p.pow(2).sum()
    loss = criterion(model(inputs), targets) + lam * l2
    loss.backward()
    optimizer.step()
