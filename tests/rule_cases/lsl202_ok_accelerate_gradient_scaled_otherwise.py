# expect: nothing
import torch
from accelerate import Accelerator

gradient_accumulation_steps = 4
accelerator = Accelerator(gradient_accumulation_steps=gradient_accumulation_steps)
plain = Accelerator()
model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
model, optimizer = accelerator.prepare(model, optimizer)
loss_fn = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        with accelerator.accumulate(model):
            accelerator.backward(loss_fn(model(x), y))
            optimizer.step()
            # After the step: the next update's gradients are zeroed anyway, not divided twice.
            for p in model.parameters():
                p.grad.div_(gradient_accumulation_steps)
            optimizer.zero_grad()


def train_without_accumulation(loader):
    # This Accelerator does not divide: dividing the gradients by K here is the only division.
    for i, (x, y) in enumerate(loader):
        plain.backward(loss_fn(model(x), y))
        if (i + 1) % gradient_accumulation_steps == 0:
            for p in model.parameters():
                p.grad.div_(gradient_accumulation_steps)
            optimizer.step()
            optimizer.zero_grad()
