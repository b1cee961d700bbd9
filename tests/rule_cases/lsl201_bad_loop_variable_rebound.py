# expect: LSL201@19
import torch
import torch.nn.functional as F

ACCUM_STEPS = 4
model = torch.nn.Linear(16, 4)
opt = torch.optim.SGD(model.parameters(), lr=0.05)

for step, (x, y) in enumerate([]):
    out = model(x)
    terms = [F.cross_entropy(out, y), F.mse_loss(out.softmax(-1), F.one_hot(y, 4).float())]
    # Rebinding the loop variable divides a copy: the list keeps the undivided terms.
    for term in terms:
        term = term / ACCUM_STEPS
    total = sum(terms)
    if step % 50 == 0:
        print(step, total.item())
    # The loss below reaches backward undivided.
    total.backward()
    if (step + 1) % ACCUM_STEPS == 0:
        opt.step()
        opt.zero_grad()
