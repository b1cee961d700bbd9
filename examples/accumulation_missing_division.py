"""Character-level language model with gradient accumulation and mixed precision.

The optimizer steps once every --accumulation-steps micro-batches, but each micro-batch's mean
loss is backpropagated undivided: after K backward passes the gradient is K times the mean
gradient of the effective batch, so every SGD step is K times too large and raising K to get a
larger batch also raises the step size (LSL201). GradScaler does not divide by K.

Expected: LSL201
"""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

VOCAB_SIZE = 96


class CharModel(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, width=64):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, width)
        self.rnn = nn.GRU(width, width, batch_first=True)
        self.out = nn.Linear(width, vocab_size)

    def forward(self, tokens):
        hidden, _ = self.rnn(self.embed(tokens))
        return self.out(hidden)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--accumulation-steps", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    text = torch.randint(0, VOCAB_SIZE, (256, 33))
    dataset = TensorDataset(text[:, :-1], text[:, 1:])
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)

    model = CharModel().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scaler = torch.amp.GradScaler(enabled=device == "cuda")

    for epoch in range(args.epochs):
        optimizer.zero_grad()
        for step, (inputs, targets) in enumerate(loader):
            inputs, targets = inputs.to(device), targets.to(device)
            with torch.autocast(device_type=device, enabled=device == "cuda"):
                logits = model(inputs)
                loss = criterion(logits.reshape(-1, VOCAB_SIZE), targets.reshape(-1))
            scaler.scale(loss).backward()
            if (step + 1) % args.accumulation_steps == 0:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
        print(f"epoch {epoch}: last micro-batch loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
