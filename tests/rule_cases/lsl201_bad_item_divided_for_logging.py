# expect: LSL201@17
import torch
import torch.nn as nn

grad_accum = 8
net = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
running = 0.0

for i, (inputs, labels) in enumerate([]):
    loss = criterion(net(inputs), labels)
    # Only the number written to the log is divided; the loss keeps its full size.
    running += loss.item() / grad_accum
    if i % 100 == 0:
        print({"loss": loss.detach() / grad_accum})
    loss.backward()
    if (i + 1) % grad_accum == 0:
        optimizer.step()
        optimizer.zero_grad()
