# expect: LSL202@18
import torch
from accelerate import Accelerator

gradient_accumulation_steps = 4
accelerator = Accelerator(gradient_accumulation_steps=gradient_accumulation_steps)
model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
model, optimizer = accelerator.prepare(model, optimizer)
loss_fn = torch.nn.CrossEntropyLoss()

for x, y in []:
    with accelerator.accumulate(model):
        loss = loss_fn(model(x), y)
        accelerator.backward(loss)
        # accelerator.backward has divided by K already: this divides a second time.
        for p in model.parameters():
            p.grad.div_(gradient_accumulation_steps)
        optimizer.step()
        optimizer.zero_grad()
