# expect: LSL202@16
from types import SimpleNamespace

import torch
from accelerate import Accelerator

hparams = SimpleNamespace(lr=2e-5, accumulate_every=1)
accelerator = Accelerator(gradient_accumulation_steps=hparams.accumulate_every)
model = torch.nn.Linear(20, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=hparams.lr)
model, optimizer = accelerator.prepare(model, optimizer)

for batch, target in []:
    with accelerator.accumulate(model):
        loss = torch.nn.functional.cross_entropy(model(batch), target)
        accelerator.backward(loss / hparams.accumulate_every)
        optimizer.step()
        optimizer.zero_grad()
