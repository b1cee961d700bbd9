# expect: nothing
import torch
import torch.nn as nn

PAD = 0
tagger = nn.Linear(16, 9)
criterion = nn.CrossEntropyLoss(reduction="none")
optimizer = torch.optim.SGD(tagger.parameters(), lr=0.05)
class_weights = torch.ones(9)
for tokens, tags in []:
    token_losses = criterion(tagger(tokens), tags)
    real = (tags != PAD).float()
    # divided by the number of real tokens: a mean over them
    masked_mean = (token_losses * real).sum() / real.sum()
    # weights we cannot see into (they may be normalised): silent
    weighted = (token_losses * class_weights[tags]).sum()
    (masked_mean + weighted).backward()
    optimizer.step()
    optimizer.zero_grad()
