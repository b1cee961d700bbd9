# expect: nothing
# Lightning is told to accumulate exactly 1 batch (a literal): dividing by it changes nothing.
import lightning.pytorch as pl
import torch


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(10, 1)

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = torch.nn.functional.l1_loss(self.head(inputs), targets) / self.trainer.accumulate_grad_batches
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


trainer = pl.Trainer(max_epochs=2, accumulate_grad_batches=1)
trainer.fit(Regressor())
