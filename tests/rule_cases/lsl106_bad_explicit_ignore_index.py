# expect: LSL106@15
import torch
from torch import nn

PAD_ID = 0
vocab = 100
tagger = nn.Linear(32, vocab)
criterion = nn.CrossEntropyLoss(reduction="none", ignore_index=PAD_ID)
optimizer = torch.optim.SGD(tagger.parameters(), lr=0.1)


def train(loader):
    for tokens, labels in loader:
        per_token = criterion(tagger(tokens).view(-1, vocab), labels.view(-1))
        loss = per_token.mean()  # divides by every position, padding included
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
