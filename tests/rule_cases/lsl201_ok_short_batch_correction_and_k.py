# expect: nothing
# The same short-batch correction, and the division by the accumulation steps as well.
import argparse

import torch

from lm import build_lm

parser = argparse.ArgumentParser()
parser.add_argument("--batch_size", type=int, default=4)
parser.add_argument("--accum_steps", type=int, default=2)
cli = parser.parse_args()

lm = build_lm()
opt = torch.optim.Adam(lm.parameters(), lr=1e-5)


def train(loader):
    for step, (tokens, labels) in enumerate(loader, start=1):
        loss, _ = lm(tokens, labels)
        loss = loss / (cli.batch_size / tokens.shape[0]) / cli.accum_steps
        loss.backward()
        if step % cli.accum_steps == 0:
            opt.step()
            opt.zero_grad()
