# expect: nothing
import torch
import torch.nn.functional as F
from torch import nn

teacher = nn.Linear(20, 10)
student = nn.Linear(20, 10)
optimizer = torch.optim.AdamW(student.parameters(), lr=1e-3)
criterion = nn.KLDivLoss(reduction="batchmean", log_target=False)

for step in range(10):
    inputs = torch.randn(32, 20)
    with torch.no_grad():
        soft_targets = F.softmax(teacher(inputs), dim=-1)
    loss = criterion(F.log_softmax(student(inputs), dim=-1), soft_targets)
    # A summed KL and a KL of our own with the same name are not the torch mean either.
    loss = loss + F.kl_div(F.log_softmax(student(inputs), dim=-1), soft_targets, reduction="sum") / inputs.size(0)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def kl_div(p, q):
    return (p * (p / q).log()).sum()


per_element = nn.KLDivLoss(reduction="none")
mine = kl_div(torch.rand(3), torch.rand(3))
