# expect: nothing
# No sign that any target is ignored: `.mean()` of a "none" loss is the mean. (The convolution's
# padding and F.pad pad images, not targets.)
import torch
import torch.nn.functional as F
from torch import nn

net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Flatten(), nn.LazyLinear(10))
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)

for images, y in []:
    images = F.pad(images, (1, 1, 1, 1))
    per_sample = F.cross_entropy(net(images), y, reduction="none")
    per_sample.mean().backward()
    optimizer.step()
    optimizer.zero_grad()
