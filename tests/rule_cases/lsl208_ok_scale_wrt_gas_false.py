# expect: nothing
import deepspeed
import torch.nn.functional as F

accumulation_steps = 4


def train(model, loader, ds_config):
    engine, optimizer, _, _ = deepspeed.initialize(model=model, config=ds_config)
    for x, y in loader:
        # scale_wrt_gas=False: the engine does not divide, so the manual division is the only one.
        loss = F.cross_entropy(engine(x), y) / accumulation_steps
        engine.backward(loss, scale_wrt_gas=False)
        engine.step()
