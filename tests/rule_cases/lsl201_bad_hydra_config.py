# expect: LSL201@16
import hydra
import torch
from omegaconf import DictConfig


@hydra.main(config_path="conf", config_name="train", version_base=None)
def main(cfg: DictConfig) -> None:
    model = torch.nn.Linear(cfg.model.width, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.optim.lr)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer.zero_grad()
    for it, (x, y) in enumerate([]):
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        if (it + 1) % cfg.trainer.accumulate == 0:
            optimizer.step()
            optimizer.zero_grad()


if __name__ == "__main__":
    main()
