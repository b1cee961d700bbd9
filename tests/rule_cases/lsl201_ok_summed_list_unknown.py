# expect: nothing
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def collect(losses, out, y):
    losses.append(F.cross_entropy(out, y) / K)


for step, (x, y) in enumerate([]):
    losses = []
    collect(losses, model(x), y)  # filled somewhere we do not follow: stay silent
    total = sum(losses)
    total.backward()
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
