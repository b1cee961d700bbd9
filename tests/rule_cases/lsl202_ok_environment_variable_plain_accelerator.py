# expect: nothing
# The environment setting is only divided by hand: Accelerate is not told about it, so it does not
# divide a second time (and no optimizer step is skipped, so nothing accumulates either).
import os

import torch
from accelerate import Accelerator

micro_steps = int(os.environ.get("MICRO_STEPS", "1"))
accelerator = Accelerator()
encoder = torch.nn.Linear(16, 4)
optim = torch.optim.Adam(encoder.parameters(), lr=1e-3)
encoder, optim = accelerator.prepare(encoder, optim)
mse = torch.nn.MSELoss()

for features, labels in []:
    error = mse(encoder(features), labels) / micro_steps
    accelerator.backward(error)
    optim.step()
    optim.zero_grad()
