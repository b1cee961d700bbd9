# expect: nothing
import deepspeed
import torch.nn.functional as F


def train(model, loader, ds_config):
    # gradient_accumulation_steps is in ds_config: the engine divides and steps at its boundary.
    model_engine, optimizer, _, _ = deepspeed.initialize(model=model, config=ds_config)
    for step, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model_engine(x), y)
        model_engine.backward(loss)
        model_engine.step()
        if step % 100 == 0:
            print(loss.item())
