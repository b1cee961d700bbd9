# expect: nothing
import torch
from accelerate import Accelerator

K = 4
accelerator = Accelerator(gradient_accumulation_steps=K)
model = torch.nn.Linear(10, 2)
loss_fn = torch.nn.CrossEntropyLoss()

for x, y in []:
    loss = loss_fn(model(x), y) / K
    loss = loss * K
    accelerator.backward(loss)
