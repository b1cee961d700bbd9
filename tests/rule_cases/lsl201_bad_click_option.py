# expect: LSL201@17
import click
import torch
from torch import nn


@click.command()
@click.option("--accum-steps", "-a", default=1, type=int)
@click.option("--lr", default=0.01)
def main(accum_steps, lr):
    layer = nn.Linear(4, 1)
    sgd = torch.optim.SGD(layer.parameters(), lr=lr)
    huber = nn.HuberLoss()
    for idx, (x, y) in enumerate([]):
        pred = layer(x)
        loss = huber(pred, y)
        loss.backward()
        if idx % accum_steps == 0:
            sgd.step()
            sgd.zero_grad()


if __name__ == "__main__":
    main()
