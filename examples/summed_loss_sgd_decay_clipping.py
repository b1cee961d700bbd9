"""Image classifier trained with a summed cross-entropy, SGD with weight decay, and clipping.

The training loss is summed over the batch, so its gradient is batch_size times the mean gradient:
every SGD step grows with --batch-size (LSL101), the coupled weight decay is only worth
weight_decay / batch_size against the data term (LSL102), and the fixed clipping threshold bites
harder the larger the batch (LSL103). The evaluation also sums the loss; that is fine, since it is
only used for reporting and never reaches backward().

Expected: LSL101, LSL102, LSL103
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SmallConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.head = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.head(x.flatten(1))


def synthetic_digits(count):
    # Stand-in for MNIST so that the example runs anywhere without a download.
    return TensorDataset(torch.randn(count, 1, 28, 28), torch.randint(0, 10, (count,)))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total_loss, correct = 0.0, 0
    for images, labels in loader:
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
    return total_loss / len(loader.dataset), correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--max-grad-norm", type=float, default=5.0)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    train_loader = DataLoader(synthetic_digits(512), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(synthetic_digits(128), batch_size=128)

    model = SmallConvNet()
    criterion = nn.CrossEntropyLoss(reduction="sum")
    optimizer = torch.optim.SGD(
        model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay
    )

    for epoch in range(args.epochs):
        model.train()
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            optimizer.step()
        test_loss, accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch}: test loss {test_loss:.3f}, accuracy {accuracy:.1%}")


if __name__ == "__main__":
    main()
