# expect: nothing
# Summed over tokens and divided by the token count of the whole accumulation window.
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
decoder = torch.nn.Linear(64, 500)
optimizer = torch.optim.SGD(decoder.parameters(), lr=0.1)
accumulation_steps = 4


def train(windows):
    for window in windows:
        window_tokens = sum(int((t != -100).sum()) for _, t in window)
        for i, (hidden, targets) in enumerate(window):
            loss = F.cross_entropy(decoder(hidden).view(-1, 500), targets.view(-1), ignore_index=-100,
                                   reduction="sum")
            loss = loss / window_tokens
            loss.backward()
            if (i + 1) % accumulation_steps == 0:
                optimizer.step()
                optimizer.zero_grad()


def train_hf(loader, num_items_in_batch):
    for step, batch in enumerate(loader):
        # the model divides its summed token loss by the window's count itself
        outputs = model(**batch, num_items_in_batch=num_items_in_batch)
        outputs.loss.backward()
        if (step + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
