# expect: nothing
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

BATCH_SIZE = 32
model = torch.nn.Linear(10, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(list(range(70)), batch_size=BATCH_SIZE)

for x, y in loader:
    optimizer.zero_grad()
    batch_size = x.size(0)
    loss = F.cross_entropy(model(x), y, reduction="sum") / batch_size
    loss.backward()
    optimizer.step()
