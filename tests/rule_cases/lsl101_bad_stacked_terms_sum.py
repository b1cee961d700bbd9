# expect: LSL101@13
import torch
import torch.nn.functional as F

net = torch.nn.Linear(4, 4)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in []:
    out = net(x)
    terms = [
        F.mse_loss(out, y),
        F.l1_loss(out, y),
    ]
    terms.append(F.smooth_l1_loss(out, y, reduction="sum"))
    total = torch.stack(terms).sum()
    total.backward()
    opt.step()
    opt.zero_grad()
