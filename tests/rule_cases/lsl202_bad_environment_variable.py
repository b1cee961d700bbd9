# expect: LSL202@17
import os

import torch
from accelerate import Accelerator

micro_steps = int(os.environ.get("MICRO_STEPS", "1"))
accelerator = Accelerator(gradient_accumulation_steps=micro_steps)
encoder = torch.nn.Linear(16, 4)
optim = torch.optim.Adam(encoder.parameters(), lr=1e-3)
encoder, optim = accelerator.prepare(encoder, optim)
mse = torch.nn.MSELoss()

for features, labels in []:
    with accelerator.accumulate(encoder):
        error = mse(encoder(features), labels)
        error = error / micro_steps
        accelerator.backward(error)
        optim.step()
        optim.zero_grad()
