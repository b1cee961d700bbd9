# expect: LSL101
import torch
import torch.nn.functional as F

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for x, y in []:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y) * x.size(0)
    loss.backward()
    optimizer.step()
