# expect: LSL101@20, LSL102@20, LSL103@14, LSL401@20
import torch.nn as nn
import torch.optim as optim


def fit_epoch(loader, optimizer, net, loss_fn, clip):
    net.train()
    for step, (low_res, high_res) in enumerate(loader, 1):
        pred = net(low_res)
        loss = loss_fn(pred, high_res)
        optimizer.zero_grad()
        loss.backward()
        # the old spelling without the underscore still clips
        nn.utils.clip_grad_norm(net.parameters(), clip)
        optimizer.step()


def main(settings, loader):
    net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 1, 3))
    loss_fn = nn.MSELoss(size_average=False)
    optimizer = optim.SGD(net.parameters(), lr=settings.lr, momentum=0.9, weight_decay=1e-4)
    for epoch in range(settings.epochs):
        fit_epoch(loader, optimizer, net, loss_fn, settings.clip)
