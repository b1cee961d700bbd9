"""Denoising autoencoder from an older code base that still uses `size_average=`.

`nn.MSELoss(size_average=False)` is the deprecated spelling of `reduction="sum"` (LSL401). The
training itself is scaled correctly: the summed squared error is divided by the length of each batch,
so the SGD step does not depend on the batch size.

Expected: LSL401
"""

import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 100
NOISE = 0.3


class DenoisingAutoencoder(nn.Module):
    def __init__(self, pixels=784, code=32):
        super().__init__()
        self.encode = nn.Sequential(nn.Linear(pixels, 256), nn.ReLU(), nn.Linear(256, code))
        self.decode = nn.Sequential(nn.Linear(code, 256), nn.ReLU(), nn.Linear(256, pixels))

    def forward(self, x):
        return self.decode(self.encode(x))


def main():
    images = torch.rand(1000, 784)
    loader = DataLoader(TensorDataset(images), batch_size=BATCH_SIZE, shuffle=True)

    model = DenoisingAutoencoder()
    criterion = nn.MSELoss(size_average=False)
    optimizer = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    for epoch in range(3):
        for (clean,) in loader:
            noisy = clean + NOISE * torch.randn_like(clean)
            optimizer.zero_grad()
            loss = criterion(model(noisy), clean) / clean.size(0)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: reconstruction error per image {loss.item():.2f}")


if __name__ == "__main__":
    main()
