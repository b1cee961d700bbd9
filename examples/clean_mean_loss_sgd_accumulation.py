"""Clean: mean loss with SGD, weight decay, clipping and correct gradient accumulation.

The cross-entropy is averaged over each micro-batch and divided by the number of accumulation
steps before backward(), so the accumulated gradient is the mean over the effective batch of
batch_size * accumulation_steps examples. The step size, the weight decay's strength and the
clipping threshold are then independent of both. The evaluation sums the loss only for reporting.

Expected: none
"""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def build_model(num_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(32, num_classes),
    )


def synthetic_cifar(count):
    # Stand-in for CIFAR-10 so that the example runs anywhere without a download.
    return TensorDataset(torch.randn(count, 3, 32, 32), torch.randint(0, 10, (count,)))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total = sum(F.cross_entropy(model(x), y, reduction="sum").item() for x, y in loader)
    return total / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--accumulation-steps", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()

    train_loader = DataLoader(synthetic_cifar(512), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(synthetic_cifar(128), batch_size=128)
    model = build_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(
        model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay
    )

    for epoch in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        for step, (images, labels) in enumerate(train_loader):
            loss = criterion(model(images), labels) / args.accumulation_steps
            loss.backward()
            if (step + 1) % args.accumulation_steps == 0:
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
                optimizer.step()
                optimizer.zero_grad()
        print(f"epoch {epoch}: validation loss {evaluate(model, val_loader):.3f}")


if __name__ == "__main__":
    main()
