# expect: LSL102@12, LSL102@13
# Bayes-by-backprop style layers keep the KL of their weights to the prior; summing it over the
# modules (or asking the model for it) gives a penalty of the weights that does not grow with the
# batch, added to a negative log-likelihood summed over the batch.
import torch
import torch.nn.functional as F

from bayesian_layers import BayesianMLP

bnn = BayesianMLP(784, 400, 10)
adam = torch.optim.Adam(bnn.parameters(), lr=1e-3)
summed_nll = torch.nn.NLLLoss(reduction="sum")
summed_ce = torch.nn.CrossEntropyLoss(reduction="sum")


def step_modules(images, digits):
    log_probs = F.log_softmax(bnn(images), dim=1)
    kl = sum(layer.kl for layer in bnn.modules() if hasattr(layer, "kl"))
    elbo_loss = summed_nll(log_probs, digits) + kl
    adam.zero_grad()
    elbo_loss.backward()
    adam.step()


def step_method(images, digits):
    elbo_loss = summed_ce(bnn(images), digits) + bnn.kl_loss()
    adam.zero_grad()
    elbo_loss.backward()
    adam.step()
