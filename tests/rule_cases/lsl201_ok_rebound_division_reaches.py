# expect: nothing
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for step, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    loss = loss / K
    print(loss.item() / K)
    loss.backward()
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
