# expect: nothing
# A character model adds up the loss over the time steps of one chunk, not over samples: its size
# depends on the chunk length, which the batch size does not change.
import torch
import torch.nn as nn

from char_data import random_chunk

chunk_len = 200
rnn = nn.GRU(64, 128)
decoder = nn.Linear(128, 64)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(list(rnn.parameters()) + list(decoder.parameters()), lr=0.005)

for step in range(2000):
    inputs, targets = random_chunk(chunk_len)
    hidden = None
    loss = 0
    for c in range(chunk_len):
        output, hidden = rnn(inputs[c].view(1, 1, -1), hidden)
        loss += criterion(decoder(output.view(1, -1)), targets[c].unsqueeze(0))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
