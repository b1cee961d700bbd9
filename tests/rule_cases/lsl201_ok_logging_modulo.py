# expect: nothing
import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for step, (x, y) in enumerate([]):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    if step % 100 == 0:
        print(step, loss.item())
