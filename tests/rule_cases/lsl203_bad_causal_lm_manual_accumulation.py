# expect: LSL203@19
# A language model's `outputs.loss` is a mean over each micro-batch's label tokens; averaging it
# over the accumulated micro-batches gives a short micro-batch the weight of a long one.
import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
accumulation_steps = 8


def train(loader, pad_token_id):
    for step, batch in enumerate(loader):
        labels = batch["input_ids"].clone()
        labels[labels == pad_token_id] = -100  # padding does not count
        outputs = model(input_ids=batch["input_ids"], labels=labels)
        loss = outputs.loss
        loss = loss / accumulation_steps
        loss.backward()
        if (step + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
