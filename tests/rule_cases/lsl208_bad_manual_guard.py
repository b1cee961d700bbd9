# expect: LSL208@16
import argparse

import deepspeed
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--grad-accum", type=int, default=4)
args = parser.parse_args()


def train(model, loader, ds_config):
    engine, optimizer, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config=ds_config)
    for step, (x, y) in enumerate(loader):
        engine.backward(F.cross_entropy(engine(x), y))
        if (step + 1) % args.grad_accum == 0:
            engine.step()
