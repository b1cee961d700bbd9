# expect: LSL102@7, LSL404@6
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(20, 5)
optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
criterion = nn.MSELoss(reduction="sum")

for inputs, targets in []:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
