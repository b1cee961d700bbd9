# expect: LSL201@13
import torch
import torch.nn.functional as F

K = 8
model = torch.nn.Linear(10, 2)
opt = torch.optim.AdamW(model.parameters(), lr=3e-4)

for step, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    reported = loss / K
    print(reported.item())
    loss.backward()
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
