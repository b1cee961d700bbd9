# expect: LSL202@18
from accelerate import Accelerator


def training_function(config, model, optimizer, train_dataloader):
    gradient_accumulation_steps = int(config["gradient_accumulation_steps"])
    accelerator = Accelerator(gradient_accumulation_steps=gradient_accumulation_steps)
    model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
    for epoch in range(config["num_epochs"]):
        model.train()
        for step, batch in enumerate(train_dataloader):
            with accelerator.accumulate(model):
                outputs = model(**batch)
                # Accelerate divides by the accumulation steps inside backward already;
                # dividing here again makes every update K times too small.
                loss = outputs.loss
                loss = (
                    loss / gradient_accumulation_steps
                )
                accelerator.backward(loss)
                optimizer.step()
                optimizer.zero_grad()
