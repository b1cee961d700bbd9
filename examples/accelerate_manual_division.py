"""Tabular regression trained with Hugging Face Accelerate and gradient accumulation.

Accelerate's `accelerator.backward(loss)` already divides the loss by gradient_accumulation_steps;
dividing it again by hand makes the accumulated gradient K times too small, so every SGD step is
a K-th of its intended size (LSL202). Remove the manual division and let Accelerate do it.

Expected: LSL202
"""

import argparse

import torch
from accelerate import Accelerator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--gradient-accumulation-steps", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    accelerator = Accelerator(gradient_accumulation_steps=args.gradient_accumulation_steps)

    features = torch.randn(2048, 12)
    prices = features @ torch.randn(12, 1) + 0.05 * torch.randn(2048, 1)
    loader = DataLoader(TensorDataset(features, prices), batch_size=args.batch_size, shuffle=True)

    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 1))
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)

    for epoch in range(args.epochs):
        model.train()
        for inputs, targets in loader:
            with accelerator.accumulate(model):
                loss = criterion(model(inputs), targets)
                loss = loss / args.gradient_accumulation_steps
                accelerator.backward(loss)
                optimizer.step()
                optimizer.zero_grad()
        accelerator.print(f"epoch {epoch}: last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
