# expect: nothing
# pytorch_lightning was published as 1.x and 2.x alike: 1.x code with the tuning flags is correct,
# even next to a `lightning` import (lightning 2 and pytorch-lightning 1.9 can be installed together).
import lightning  # noqa: F401
import pytorch_lightning as pl
from pytorch_lightning import Trainer


def tune_and_fit(model):
    trainer = pl.Trainer(max_epochs=3, auto_lr_find=True, auto_scale_batch_size="binsearch")
    trainer.tune(model)
    trainer.fit(model)
    other = Trainer(auto_lr_find=True)
    finder = other.tuner.lr_find(model)
    return finder.suggestion()
