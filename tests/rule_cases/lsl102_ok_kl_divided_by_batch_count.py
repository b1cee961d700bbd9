# expect: nothing
# The minibatch weighting of Blundell et al.: the KL divided by the number of batches (N/B) grows
# with B exactly like the summed likelihood, so their ratio does not depend on the batch size.
import torch

from bayesian_layers import BayesianMLP, make_loader

bnn = BayesianMLP(784, 400, 10)
adam = torch.optim.Adam(bnn.parameters(), lr=1e-3)
summed_ce = torch.nn.CrossEntropyLoss(reduction="sum")
train_loader = make_loader(batch_size=128)

for images, digits in train_loader:
    loss = summed_ce(bnn(images), digits) + bnn.kl_loss() / len(train_loader)
    adam.zero_grad()
    loss.backward()
    adam.step()
