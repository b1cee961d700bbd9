# expect: nothing
# Targets are padded with 0, which cross_entropy does not ignore (its default ignore_index is -100):
# `.mean()` over every position is then exactly what reduction="mean" computes.
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

PAD = 0
embed = torch.nn.Embedding(1000, 64, padding_idx=PAD)
lm_head = torch.nn.Linear(64, 1000)
optimizer = torch.optim.SGD([*embed.parameters(), *lm_head.parameters()], lr=0.1)

for token_lists, label_lists in []:
    tokens = pad_sequence(token_lists, batch_first=True, padding_value=PAD)
    labels = pad_sequence(label_lists, batch_first=True, padding_value=PAD)
    mask = labels != PAD
    logits = lm_head(embed(tokens))
    per_token = F.cross_entropy(logits.view(-1, 1000), labels.view(-1), reduction="none")
    per_token.mean().backward()
    optimizer.step()
    optimizer.zero_grad()
