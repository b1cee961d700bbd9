# expect: nothing
# A module constant of 1 that nothing overrides: no accumulation happens, dividing by 1 is harmless.
import torch
from accelerate import Accelerator

ACCUM_STEPS = 1
accelerator = Accelerator(gradient_accumulation_steps=ACCUM_STEPS)
net = torch.nn.Linear(8, 3)
opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
net, opt = accelerator.prepare(net, opt)
criterion = torch.nn.CrossEntropyLoss()

for inputs, targets in []:
    with accelerator.accumulate(net):
        loss = criterion(net(inputs), targets) / ACCUM_STEPS
        accelerator.backward(loss)
        opt.step()
        opt.zero_grad()
