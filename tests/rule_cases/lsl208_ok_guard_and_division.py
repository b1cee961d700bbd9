# expect: nothing
import deepspeed
import torch.nn.functional as F

accumulation_steps = 4


def train(model, loader, ds_config):
    # Accumulation by hand, loss divided by the guard's K: the mean over K x K_ds micro-batches,
    # right when ds_config keeps gradient_accumulation_steps at 1, which the file does not show.
    engine, optimizer, _, _ = deepspeed.initialize(model=model, config=ds_config)
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(engine(x), y) / accumulation_steps
        engine.backward(loss)
        if (i + 1) % accumulation_steps == 0:
            engine.step()
