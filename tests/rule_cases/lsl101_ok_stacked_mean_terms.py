# expect: nothing
import torch
import torch.nn.functional as F

net = torch.nn.Linear(4, 4)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in []:
    out = net(x)
    terms = [F.mse_loss(out, y), F.l1_loss(out, y)]
    total = torch.stack(terms).sum() + sum(terms)
    # a mean over summed terms is not something the analysis vouches for
    odd = torch.stack([F.mse_loss(out, y, reduction="sum")]).mean()
    (total + odd).backward()
    opt.step()
    opt.zero_grad()
