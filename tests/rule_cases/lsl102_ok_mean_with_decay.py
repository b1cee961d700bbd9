# expect: LSL404@6
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(20, 5)
optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
criterion = nn.CrossEntropyLoss()
lam = 1e-3

for inputs, targets in []:
    optimizer.zero_grad()
    l2 = sum(p.pow(2).sum() for p in model.parameters())
    loss = criterion(model(inputs), targets) + lam * l2
    loss.backward()
    optimizer.step()
