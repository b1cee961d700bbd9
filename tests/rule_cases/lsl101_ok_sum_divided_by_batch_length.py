# expect: nothing
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(20, 5)
optimizer = optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss(reduction="sum")

for inputs, targets in []:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets) / inputs.size(0)
    loss.backward()
    optimizer.step()
    n = len(targets)
    loss2 = criterion(model(inputs), targets)
    loss2 = loss2 / n
    loss2.backward()
    optimizer.step()
