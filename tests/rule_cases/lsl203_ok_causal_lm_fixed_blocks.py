# expect: nothing
# Texts packed into blocks of a fixed length (as run_clm does) with every label a token: each
# micro-batch holds the same number of label tokens, so the mean of the micro-batch means is the
# full-batch token mean.
import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
accumulation_steps = 8


def train(blocks):
    for step, block in enumerate(blocks):
        outputs = model(input_ids=block, labels=block.clone())
        loss = outputs.loss / accumulation_steps
        loss.backward()
        if (step + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
