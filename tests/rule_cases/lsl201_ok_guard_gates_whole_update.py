# expect: nothing
import torch

update_every = 50
policy = torch.nn.Linear(8, 4)
optimizer = torch.optim.SGD(policy.parameters(), lr=1e-2)


def run(env_steps, buffer):
    for t in range(env_steps):
        buffer.add(t)
        # Every `update_every` environment steps, a full update: backward and step together.
        if t % update_every == 0:
            optimizer.zero_grad()
            loss = policy(buffer.sample()).pow(2).mean()
            loss.backward()
            optimizer.step()


def run_skipping(batches):
    for i, batch in enumerate(batches):
        if i % 2 != 0:
            continue  # only every other batch is used at all
        optimizer.zero_grad()
        loss = policy(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
