# expect: LSL208@12
import deepspeed
import torch.nn.functional as F

gradient_accumulation_steps = 8


def train(model, loader, ds_config):
    model_engine, optimizer, _, _ = deepspeed.initialize(model=model, config=ds_config)
    for x, y in loader:
        loss = F.cross_entropy(model_engine(x), y)
        loss = loss / gradient_accumulation_steps
        model_engine.backward(loss)
        model_engine.step()
