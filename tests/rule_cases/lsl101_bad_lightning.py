# expect: LSL101@13
from pytorch_lightning import LightningModule, Trainer
import torch
import torch.nn.functional as F


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(16, 1)

    def training_step(self, batch, batch_idx):
        return F.mse_loss(self.net(batch[0]), batch[1], reduction="sum")

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)
        return optimizer


Trainer(max_epochs=1).fit(Regressor())
