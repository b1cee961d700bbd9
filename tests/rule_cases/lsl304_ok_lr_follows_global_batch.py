# expect: nothing
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
world_size = dist.get_world_size()
batch_size = 32  # per device
base_lr = 0.1
global_batch = batch_size * world_size
model = DDP(nn.Linear(10, 2))
# Goyal et al.'s linear rule: lr follows the global batch.
optimizer = torch.optim.SGD(model.parameters(), lr=base_lr * global_batch / 256, momentum=0.9)
criterion = nn.CrossEntropyLoss()
dataset = torch.utils.data.TensorDataset(torch.randn(512, 10), torch.randint(0, 2, (512,)))


def train():
    for inputs, targets in torch.utils.data.DataLoader(dataset, batch_size=batch_size):
        optimizer.zero_grad()
        criterion(model(inputs), targets).backward()
        optimizer.step()


def train_fixed_global_batch(global_batch_size=256):
    # The global batch is held fixed by dividing it over the devices: lr needs no world size.
    fixed = torch.optim.SGD(model.parameters(), lr=0.1)
    for inputs, targets in torch.utils.data.DataLoader(dataset, batch_size=global_batch_size // world_size):
        fixed.zero_grad()
        criterion(model(inputs), targets).backward()
        fixed.step()
