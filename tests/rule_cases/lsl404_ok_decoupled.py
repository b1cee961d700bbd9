# expect: nothing
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
# Decoupled decay, no decay, or a non-adaptive optimizer: the decay does not follow the loss scale.
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
flagged = torch.optim.Adam(model.parameters(), weight_decay=1e-4, decoupled_weight_decay=True)
plain = torch.optim.Adam(model.parameters(), lr=1e-3)
zero = torch.optim.RMSprop(model.parameters(), weight_decay=0.0)
sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
decay = 1e-4
unknown = torch.optim.Adam(model.parameters(), weight_decay=decay if torch.cuda.is_available() else 0.0)

for inputs, targets in []:
    loss = criterion(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
