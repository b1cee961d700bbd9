# expect: nothing
import torch
import torch.nn.functional as F

accumulation_steps = 4
model = torch.nn.Linear(12, 5)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for it, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    # A branch on the setting, not on the iteration: it divides on every step when K > 1.
    if accumulation_steps > 1:
        loss = loss / accumulation_steps
    loss.backward()
    if (it + 1) % accumulation_steps == 0:
        opt.step()
        opt.zero_grad()
