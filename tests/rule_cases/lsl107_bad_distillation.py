# expect: LSL107@15, LSL107@25, LSL107@32
import torch
import torch.nn.functional as F
from torch import nn

teacher = nn.Linear(20, 10)
student = nn.Linear(20, 10)
optimizer = torch.optim.AdamW(student.parameters(), lr=1e-3)
temperature = 2.0

for step in range(10):
    inputs = torch.randn(32, 20)
    with torch.no_grad():
        soft_targets = F.softmax(teacher(inputs) / temperature, dim=-1)
    distill = nn.KLDivLoss()(F.log_softmax(student(inputs) / temperature, dim=-1), soft_targets)
    loss = distill * temperature ** 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def vae_kl(log_probs, prior):
    # An explicit "mean" is the same average over every element.
    return F.kl_div(log_probs, prior,
                    reduction="mean")


class RDropLoss(nn.Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        # The parameter's default is "mean": reported, with no fix (the default is where to change it).
        self.kl = nn.KLDivLoss(reduction=reduction)
