# expect: LSL101@20
# Each sample of a loader batch is run on its own (variable-size inputs) and the losses are added
# up: the gradient is the batch sum, stepped by plain SGD.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from data import PolygonDataset, collate_lists

model = nn.GRU(2, 16, batch_first=True)
head = nn.Linear(16, 1)
mse = nn.MSELoss()
sgd = torch.optim.SGD(list(model.parameters()) + list(head.parameters()), lr=0.01)
loader = DataLoader(PolygonDataset(), batch_size=8, collate_fn=collate_lists)

for shapes, areas in loader:
    batch_loss = 0.0
    for shape, area in zip(shapes, areas):
        _, hidden = model(shape.unsqueeze(0))
        batch_loss += mse(head(hidden[-1]).squeeze(), area)
    sgd.zero_grad()
    batch_loss.backward()
    sgd.step()
