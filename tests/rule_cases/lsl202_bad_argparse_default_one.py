# expect: LSL202@19
import argparse

import torch
from accelerate import Accelerator

parser = argparse.ArgumentParser()
parser.add_argument("--grad-accum", type=int, default=1)
args = parser.parse_args()

accelerator = Accelerator(gradient_accumulation_steps=args.grad_accum)
net = torch.nn.Linear(8, 3)
opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
net, opt = accelerator.prepare(net, opt)
criterion = torch.nn.CrossEntropyLoss()

for inputs, targets in []:
    with accelerator.accumulate(net):
        loss = criterion(net(inputs), targets) / args.grad_accum
        accelerator.backward(loss)
        opt.step()
        opt.zero_grad()
