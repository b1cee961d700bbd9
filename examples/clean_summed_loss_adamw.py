"""Clean: matrix factorization with a summed loss and AdamW.

The squared error is summed over the batch, but AdamW divides every gradient by a running
estimate of its own size, so the factor batch_size cancels, and its weight decay is decoupled
(lr * weight_decay * w per step, applied outside the gradient), so the loss scale does not weaken
the regularization either. Nothing here changes with the batch size.

Expected: none
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

NUM_USERS, NUM_ITEMS, RANK = 200, 300, 16


class MatrixFactorization(nn.Module):
    def __init__(self):
        super().__init__()
        self.users = nn.Embedding(NUM_USERS, RANK)
        self.items = nn.Embedding(NUM_ITEMS, RANK)

    def forward(self, user_ids, item_ids):
        return (self.users(user_ids) * self.items(item_ids)).sum(dim=1)


def main():
    users = torch.randint(0, NUM_USERS, (5000,))
    items = torch.randint(0, NUM_ITEMS, (5000,))
    ratings = torch.randint(1, 6, (5000,)).float()
    loader = DataLoader(TensorDataset(users, items, ratings), batch_size=256, shuffle=True)

    model = MatrixFactorization()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05)

    for epoch in range(3):
        for user_ids, item_ids, rating in loader:
            optimizer.zero_grad()
            loss = criterion(model(user_ids, item_ids), rating)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: summed squared error of the last batch {loss.item():.1f}")


if __name__ == "__main__":
    main()
