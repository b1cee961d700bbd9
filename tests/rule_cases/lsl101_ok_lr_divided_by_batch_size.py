# expect: nothing
import torch
import torch.nn as nn

batch_size = 64
learning_rate = 0.001
decay = 0.0005

model = nn.Conv2d(3, 16, 3)
region_loss = nn.MSELoss(reduction="sum")
# The summed loss is compensated on purpose: the step lr/B * (B*g) and the decay (wd*B)/B do not
# depend on the batch size, and neither does the clipping threshold.
optimizer = torch.optim.SGD(
    model.parameters(), lr=learning_rate / batch_size, momentum=0.9, weight_decay=decay * batch_size
)

for images, targets in []:
    optimizer.zero_grad()
    loss = region_loss(model(images), targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0 * batch_size)
    optimizer.step()
