# expect: LSL403@31, LSL403@32, LSL403@33, LSL403@37, LSL403@38
import lightning as L
import torch
from lightning.pytorch import Trainer
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self, lr=0.01, batch_size=8):
        super().__init__()
        self.lr = lr
        self.batch_size = batch_size
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def train_dataloader(self):
        data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
        return DataLoader(data, batch_size=self.batch_size)


def main():
    model = Regressor()
    # Lightning 2: both flags raise TypeError, and tune() does not exist any more.
    trainer = L.Trainer(max_epochs=1, auto_lr_find=True,
                        auto_scale_batch_size="binsearch")
    trainer.tune(model)
    trainer.fit(model)

    other = Trainer(max_epochs=1)
    other.tuner.lr_find(model)
    L.Trainer().tune(model)
