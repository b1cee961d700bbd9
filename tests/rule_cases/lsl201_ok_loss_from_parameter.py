# expect: nothing
import torch

K = 4


def backward_only(loss):
    loss.backward()


def run(model, opt, batches):
    for i, batch in enumerate(batches):
        loss = model(batch)
        loss.backward()
        if (i + 1) % K == 0:
            for p in model.parameters():
                p.grad /= K
            opt.step()
            opt.zero_grad()


opt = torch.optim.SGD([torch.zeros(1)], lr=0.1)
