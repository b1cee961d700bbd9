# expect: LSL101@12
import torch
import torch.nn as nn

PAD = 0
tagger = nn.Linear(16, 9)
criterion = nn.CrossEntropyLoss(reduction="none")
optimizer = torch.optim.SGD(tagger.parameters(), lr=0.05)
for tokens, tags in []:
    token_losses = criterion(tagger(tokens), tags)
    real = (tags != PAD).float()
    loss = (token_losses * real).sum()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
