# expect: LSL101@19
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, state):
        return self.body(state)


critic = Critic()
opt = torch.optim.SGD(critic.parameters(), lr=1e-3)
for states in []:
    # one score per state, summed over the batch: the step grows with the batch size
    energy = -critic(states).sum()
    energy.backward()
    opt.step()
    opt.zero_grad()
