# expect: LSL202@26
from dataclasses import dataclass, field

import torch
from accelerate import Accelerator
from transformers import HfArgumentParser


@dataclass
class ScriptArguments:
    learning_rate: float = field(default=5e-5)
    gradient_accumulation_steps: int = field(default=1)


(script_args,) = HfArgumentParser((ScriptArguments,)).parse_args_into_dataclasses()
accelerator = Accelerator(gradient_accumulation_steps=script_args.gradient_accumulation_steps)
model = torch.nn.Linear(20, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=script_args.learning_rate)
model, optimizer = accelerator.prepare(model, optimizer)

for batch in []:
    with accelerator.accumulate(model):
        out = model(batch["x"])
        loss = torch.nn.functional.cross_entropy(out, batch["y"])
        accelerator.backward(
            loss / script_args.gradient_accumulation_steps
        )
        optimizer.step()
        optimizer.zero_grad()
