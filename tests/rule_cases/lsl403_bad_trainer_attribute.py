# expect: LSL403@6, LSL403@17, LSL403@18
import lightning.pytorch as pl


def make_trainer(max_epochs):
    return pl.Trainer(max_epochs=max_epochs, auto_scale_batch_size=True)


class Experiment:
    def __init__(self, model, max_epochs):
        self.model = model
        self.trainer = pl.Trainer(max_epochs=max_epochs)
        self.scaled = make_trainer(max_epochs)

    def run(self):
        # The instances are followed back through self. attributes and a helper's return.
        self.trainer.tune(self.model)
        self.scaled.tune(self.model)
        self.trainer.fit(self.model)
