# expect: LSL104@19
import argparse

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args()

model = torch.nn.Linear(10, 3)
optimizer = torch.optim.Adam(model.parameters())
loader = DataLoader(list(range(70)), batch_size=args.batch_size, shuffle=True)

for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y, reduction="sum")
    loss = loss / args.batch_size
    loss.backward()
    optimizer.step()
