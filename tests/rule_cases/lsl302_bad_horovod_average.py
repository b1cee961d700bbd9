# expect: LSL302@9, LSL304@8
import horovod.torch as hvd
import torch
from torch import nn

hvd.init()
model = nn.Linear(10, 2)
optimizer = hvd.DistributedOptimizer(torch.optim.SGD(model.parameters(), lr=0.01), named_parameters=model.named_parameters())
criterion = nn.MSELoss(reduction="sum")
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 10), torch.randn(64, 2)), batch_size=32)

for inputs, targets in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
