# expect: LSL201@11
import fire
import torch


def train(lr=0.1, grad_accum=1):
    model = torch.nn.Linear(6, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for step, (x, y) in enumerate([]):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        if (step + 1) % grad_accum == 0:
            optimizer.step()
            optimizer.zero_grad()


if __name__ == "__main__":
    fire.Fire(train)
