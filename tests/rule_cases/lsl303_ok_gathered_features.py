# expect: nothing
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
world_size = dist.get_world_size()
model = DDP(nn.Linear(10, 8))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def gather_with_grad(features):
    gathered = [torch.zeros_like(features) for _ in range(world_size)]
    dist.all_gather(gathered, features)
    gathered[dist.get_rank()] = features
    return torch.cat(gathered)


def train(loader, temperature=0.1):
    # A contrastive loss over every rank's features: each rank's gradient only reaches its own
    # features, so multiplying by W undoes DDP's averaging on purpose.
    for inputs, labels in loader:
        optimizer.zero_grad()
        features = F.normalize(model(inputs), dim=1)
        logits = features @ gather_with_grad(features).T / temperature
        loss = F.cross_entropy(logits, labels) * world_size
        loss.backward()
        optimizer.step()
