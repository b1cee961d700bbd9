# expect: nothing
import torch
from accelerate import Accelerator

accelerator = Accelerator()
model = torch.nn.Linear(16, 100)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
model, optimizer = accelerator.prepare(model, optimizer)


def train(loader):
    # Accelerate's token-level recipe: sum over tokens, times the number of processes (undoing the
    # averaging), over the global number of tokens: a correct global token mean.
    for batch in loader:
        logits = model(batch["inputs"])
        num_items_in_batch = accelerator.gather(batch["mask"].sum()).sum()
        loss = torch.nn.functional.cross_entropy(logits, batch["labels"], reduction="sum")
        loss = loss * accelerator.num_processes / num_items_in_batch
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        if accelerator.is_main_process:
            print(loss.item())
