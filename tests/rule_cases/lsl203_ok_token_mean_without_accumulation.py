# expect: nothing
# A token mean with one micro-batch per step, and a sequence classifier's per-sample mean with
# accumulation: neither weighs micro-batches of different token counts alike.
import torch
from transformers import AutoModelForSequenceClassification

criterion = torch.nn.CrossEntropyLoss(ignore_index=-100)
lm_head = torch.nn.Linear(128, 32000)
classifier = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
optimizer = torch.optim.AdamW(lm_head.parameters(), lr=1e-4)
accumulation_steps = 4


def train(loader):
    for hidden, labels in loader:
        loss = criterion(lm_head(hidden).view(-1, 32000), labels.view(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def train_classifier(loader):
    for step, batch in enumerate(loader):
        loss = classifier(**batch).loss / accumulation_steps
        loss.backward()
        if (step + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
