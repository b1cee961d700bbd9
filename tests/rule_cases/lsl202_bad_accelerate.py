# expect: LSL202@16
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
        out = model(x)
        loss = loss_fn(out, y)
        loss = loss / gradient_accumulation_steps
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
