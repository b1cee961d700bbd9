# expect: LSL201@25
# A hand-written accumulation loop around a Hugging Face model: its `.loss` is a token mean of one
# micro-batch, and nothing divides it by the accumulation steps before backward.
import torch
from transformers import AutoModelForSequenceClassification, HfArgumentParser

from my_project.args import TrainArgs

(train_args,) = HfArgumentParser(TrainArgs).parse_args_into_dataclasses()
classifier = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)
optim = torch.optim.AdamW(classifier.parameters(), lr=3e-5, weight_decay=0.01)


def train(loader):
    classifier.train()
    for n, batch in enumerate(loader):
        out = classifier(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            labels=batch["labels"],
        )
        loss = out["loss"]
        if n % 50 == 0:
            print(n, loss.item())
        loss.backward()
        if (n + 1) % train_args.gradient_accumulation_steps == 0:
            optim.step()
            optim.zero_grad()
