# expect: nothing
import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(6, 3)

    def forward(self, x, y):
        # takes the targets: it returns its (mean) loss, not one output per sample
        return F.cross_entropy(self.head(x), y)


model = Classifier()
scorer = nn.Linear(6, 1)
opt = torch.optim.SGD(list(model.parameters()) + list(scorer.parameters()), lr=1e-2)
for x, y in []:
    loss = model(x, y).sum() + scorer(x).mean()
    loss.backward()
    opt.step()
    opt.zero_grad()
