# expect: LSL106@17
# Targets are padded with -100, which cross_entropy ignores by default.
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

lm_head = torch.nn.Linear(64, 1000)
optimizer = torch.optim.AdamW(lm_head.parameters(), lr=1e-3)


def train(batches):
    for hidden, label_lists in batches:
        labels = pad_sequence(label_lists, batch_first=True, padding_value=-100)
        logits = lm_head(hidden)
        flat_logits = logits.view(-1, logits.size(-1))
        flat_labels = labels.view(-1)
        token_losses = torch.mean(F.cross_entropy(flat_logits, flat_labels, reduction="none"))
        token_losses.backward()
        optimizer.step()
        optimizer.zero_grad()
