# expect: LSL203@18
import torch
from accelerate import Accelerator

accelerator = Accelerator(gradient_accumulation_steps=4)
lm_head = torch.nn.Linear(128, 32000)
optimizer = torch.optim.AdamW(lm_head.parameters(), lr=1e-4)
lm_head, optimizer = accelerator.prepare(lm_head, optimizer)
criterion = torch.nn.CrossEntropyLoss(ignore_index=-100)


def train(loader):
    for hidden, labels in loader:
        with accelerator.accumulate(lm_head):
            logits = lm_head(hidden)
            # accelerator.backward divides by 4: each micro-batch's token mean counts 1/4
            loss = criterion(logits.view(-1, logits.size(-1)), labels.view(-1))
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
