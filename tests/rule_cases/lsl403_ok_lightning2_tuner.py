# expect: nothing
# Lightning 2 with the standalone Tuner, the tuning callbacks, or no tuning at all.
import lightning as L
from lightning.pytorch.callbacks import BatchSizeFinder, LearningRateFinder
from lightning.pytorch.tuner import Tuner


def tune_and_fit(model, trainer_kwargs, runner):
    trainer = L.Trainer(max_epochs=3)
    tuner = Tuner(trainer)
    tuner.scale_batch_size(model, mode="binsearch")
    Tuner(trainer).lr_find(model)
    trainer.fit(model)

    with_callbacks = L.Trainer(callbacks=[BatchSizeFinder(), LearningRateFinder()])
    with_callbacks.fit(model)

    plain = L.Trainer(max_epochs=1, accumulate_grad_batches=2)
    plain.fit(model)

    configured = L.Trainer(**trainer_kwargs)  # what the keywords are is not known
    configured.fit(model)
    runner.tune(model)  # not a Trainer the linter can follow
    runner.trainer.tuner.lr_find(model)
