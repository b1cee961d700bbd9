# expect: nothing
import torch
import torch.nn.functional as F

gradient_accumulation_steps = 8
model = torch.nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for step, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    loss = loss / gradient_accumulation_steps
    loss.backward()
    if (step + 1) % gradient_accumulation_steps == 0:
        opt.step()
        opt.zero_grad()

for step, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    loss /= gradient_accumulation_steps
    loss.backward()
    if (step + 1) % gradient_accumulation_steps == 0:
        opt.step()
        opt.zero_grad()
