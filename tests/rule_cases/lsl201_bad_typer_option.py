# expect: LSL201@13
import torch
import typer

app = typer.Typer()


@app.command()
def run(steps_per_update: int = typer.Option(1, help="micro-batches per optimizer step")):
    w = torch.nn.Linear(3, 3)
    opt = torch.optim.SGD(w.parameters(), lr=0.2)
    for k, (a, b) in enumerate([]):
        torch.nn.functional.mse_loss(w(a), b).backward()
        if (k + 1) % steps_per_update == 0:
            opt.step()
            opt.zero_grad()
