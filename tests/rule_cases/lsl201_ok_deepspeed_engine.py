# expect: nothing
import deepspeed
import torch.nn.functional as F

accumulation_steps = 4


def train(model, loader, config):
    engine, optimizer, _, scheduler = deepspeed.initialize(model=model, config=config)
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(engine(x), y)
        # The engine divides by its gradient_accumulation_steps and steps at the boundary itself.
        engine.backward(loss)
        if (i + 1) % accumulation_steps == 0:
            engine.step()
