# expect: nothing
import torch
from torch import nn

PAD_ID = 0
tagger = nn.Linear(32, 9)
criterion = nn.CrossEntropyLoss(reduction="none", ignore_index=PAD_ID)
weighted = nn.CrossEntropyLoss(weight=torch.ones(9), reduction="none")
optimizer = torch.optim.SGD(tagger.parameters(), lr=0.1)

for tokens, tags in []:
    per_token = criterion(tagger(tokens), tags)
    mask = (tags != PAD_ID).float()
    masked_mean = (per_token * mask).sum() / mask.sum()  # divided by the valid targets
    summed = weighted(tagger(tokens), tags).sum() / tags.numel()  # .sum() divided by a count
    as_mean = nn.functional.cross_entropy(tagger(tokens), tags, ignore_index=PAD_ID)  # reduction="mean"
    (masked_mean + summed + as_mean).backward()
    optimizer.step()
    optimizer.zero_grad()
