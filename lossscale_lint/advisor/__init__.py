"""`advise`: what a batch-size change does to a training script."""
