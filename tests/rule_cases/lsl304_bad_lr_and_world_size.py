# expect: LSL304@15, LSL304@27
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
world_size = int(os.environ["WORLD_SIZE"])
global_batch_size = 256
per_device = global_batch_size // world_size
model = DDP(nn.Linear(10, 2))
# The global batch is held at 256 on any number of devices, and lr grows with W anyway.
optimizer = torch.optim.SGD(model.parameters(), lr=0.1 * world_size, momentum=0.9)
criterion = nn.CrossEntropyLoss()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(512, 10), torch.randint(0, 2, (512,))),
                                     batch_size=per_device)

for inputs, targets in loader:
    optimizer.zero_grad()
    criterion(model(inputs), targets).backward()
    optimizer.step()


def fine_tune(dataset, batch_size=32):
    head = torch.optim.SGD(model.parameters(), lr=0.01)
    for inputs, targets in torch.utils.data.DataLoader(dataset, batch_size=batch_size):
        head.zero_grad()
        criterion(model(inputs), targets).backward()
        head.step()
