# expect: LSL201@22
# A diffusion-style step: the per-pixel loss comes from a helper we cannot see into, and the
# `.mean()` taken on it is what reaches backward, undivided by the accumulation steps.
import argparse

import torch

from trainer_utils import denoising_error, make_unet

parser = argparse.ArgumentParser()
parser.add_argument("--grad-accum", type=int, default=2)
opts = parser.parse_args()

unet = make_unet()
adam = torch.optim.AdamW(unet.parameters(), lr=2e-4, weight_decay=0.0)


def run_epoch(batches):
    for i, (images, noise, t) in enumerate(batches):
        predicted = unet(images + noise, t)
        err = denoising_error(predicted, noise).mean()
        err.backward()
        if (i + 1) % opts.grad_accum == 0:
            adam.step()
            adam.zero_grad()
