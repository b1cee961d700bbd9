# expect: LSL201@18
import torch
import torch.nn.functional as F

accumulation_steps = 4
log_every = 50
model = torch.nn.Linear(12, 5)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for it, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
    if it % log_every == 0:
        # Divided here, on one iteration in fifty: every other backward gets the full loss.
        loss = loss / accumulation_steps
        print(it, loss.item())
    # not divided on the other iterations
    # (the division above is inside the logging branch)
    loss.backward()
    if (it + 1) % accumulation_steps == 0:
        opt.step()
        opt.zero_grad()
