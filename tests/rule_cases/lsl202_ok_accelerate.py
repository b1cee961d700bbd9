# expect: nothing
import torch
from accelerate import Accelerator

accelerator = Accelerator(gradient_accumulation_steps=4)
plain = Accelerator()
model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
model, optimizer = accelerator.prepare(model, optimizer)
loss_fn = torch.nn.CrossEntropyLoss()

for x, y in []:
    with accelerator.accumulate(model):
        loss = loss_fn(model(x), y)
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()

for x, y in []:
    loss = loss_fn(model(x), y) / 4
    plain.backward(loss)
