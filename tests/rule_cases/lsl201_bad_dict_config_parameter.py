# expect: LSL201@9
import torch


def train(net, batches, config):
    opt = torch.optim.SGD(net.parameters(), lr=config["lr"])
    for j, (src, tgt) in enumerate(batches):
        loss = torch.nn.functional.nll_loss(net(src), tgt)
        loss.backward()
        if j % config["batch_accumulation"] == 0:
            opt.step()
            opt.zero_grad()
