# expect: LSL203@20
import torch
import torch.nn.functional as F

PAD = 0
decoder = torch.nn.Linear(64, 500)
optimizer = torch.optim.SGD(decoder.parameters(), lr=0.1)
grad_accum_steps = 4


def train(loader):
    for i, (hidden, targets) in enumerate(loader):
        logits = decoder(hidden)
        per_token = F.cross_entropy(logits.view(-1, 500), targets.view(-1), reduction="none")
        mask = (targets.view(-1) != PAD).float()
        # a mean over this micro-batch's real tokens
        loss = (per_token * mask).sum() / mask.sum()
        # then each micro-batch weighted 1/K
        loss = loss / grad_accum_steps
        loss.backward()
        if (i + 1) % grad_accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
