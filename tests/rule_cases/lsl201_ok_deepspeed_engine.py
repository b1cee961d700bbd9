# expect: LSL208@15
import deepspeed
import torch.nn.functional as F

accumulation_steps = 4


def train(model, loader, config):
    engine, optimizer, _, scheduler = deepspeed.initialize(model=model, config=config)
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(engine(x), y)
        # The engine divides by its gradient_accumulation_steps itself: nothing missing for LSL201 (the
        # manual guard on top of the engine's own boundary is LSL208's finding).
        engine.backward(loss)
        if (i + 1) % accumulation_steps == 0:
            engine.step()
