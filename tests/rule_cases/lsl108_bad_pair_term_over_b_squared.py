# expect: LSL108@18
import torch
import torch.nn.functional as F
from torch import nn

model = nn.Linear(32, 16)
head = nn.Linear(16, 10)
optimizer = torch.optim.SGD([*model.parameters(), *head.parameters()], lr=0.1)


def train(loader, reg=0.1):
    for x, y in loader:
        z = F.normalize(model(x), dim=1)
        B = x.size(0)
        data = F.cross_entropy(head(z), y)
        similarity = (z @ z.T).mean()  # already a mean over the B x B pairs
        # ... and divided by B(B - 1) again: weight ~ B^-2 against the data term
        loss = data + reg / (B * (B - 1)) * similarity
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
