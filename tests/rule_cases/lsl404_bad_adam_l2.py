# expect: LSL404@16, LSL404@17, LSL404@19, LSL404@22
import argparse

import torch
from torch import nn
from torch.optim import RMSprop

parser = argparse.ArgumentParser()
parser.add_argument("--weight-decay", type=float, default=5e-4)
args = parser.parse_args()

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
head = nn.Linear(2, 2)
backbone = nn.Linear(10, 10)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
head_optimizer = torch.optim.NAdam(head.parameters(), weight_decay=args.weight_decay)
backbone_optimizer = RMSprop(
    backbone.parameters(), lr=1e-3, weight_decay=0.01,
)
# Parameter groups written with dict(...) (pytorch_geometric's examples/gcn.py).
grouped = torch.optim.Adam([dict(params=head.parameters(), weight_decay=5e-4), dict(params=backbone.parameters())],
                           lr=0.01)

for inputs, targets in []:
    loss = criterion(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
