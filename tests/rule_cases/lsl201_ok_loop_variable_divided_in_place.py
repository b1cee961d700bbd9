# expect: nothing
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for step, (x, y) in enumerate([]):
    out = model(x)
    ce = F.cross_entropy(out, y)
    aux = F.mse_loss(out, torch.zeros_like(out))
    # Divided where the sum is built: the loop only logs the terms (its division is dead, but the
    # loss that reaches backward is divided once).
    for term in (ce, aux):
        print(term.item() / K)
    total = (ce + aux) / K
    total.backward()
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
