# expect: nothing
# A literal dict written in the file and never changed is a constant, not a setting: K is 1.
import torch

CONFIG = {"lr": 0.1, "batch_accumulation": 1}


def train(net, batches):
    opt = torch.optim.SGD(net.parameters(), lr=CONFIG["lr"])
    for j, (src, tgt) in enumerate(batches):
        loss = torch.nn.functional.nll_loss(net(src), tgt)
        loss.backward()
        if j % CONFIG["batch_accumulation"] == 0:
            opt.step()
            opt.zero_grad()
