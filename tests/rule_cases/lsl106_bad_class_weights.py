# expect: LSL106@14
import torch
import torch.nn.functional as F

model = torch.nn.Linear(20, 4)
class_weights = torch.tensor([1.0, 2.0, 5.0, 0.5])
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    for x, y in loader:
        logits = model(x)
        losses = F.cross_entropy(logits, y, weight=class_weights, reduction="none")
        loss = losses.mean()  # "mean" would divide by class_weights[y].sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
