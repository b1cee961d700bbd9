# expect: nothing
import torch


class Trainer:
    def __init__(self, model, args):
        self.args = args
        self.model = model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
        self.scaler = torch.amp.GradScaler()

    def train_iteration(self, batches):
        for micro_step in range(self.args.gradient_accumulation_steps):
            logits, loss = self.model(*batches[micro_step])
            loss = loss / self.args.gradient_accumulation_steps
            self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
