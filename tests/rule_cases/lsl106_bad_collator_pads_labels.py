# expect: LSL106@18
# DataCollatorForSeq2Seq pads the labels with -100 (its label_pad_token_id), which the
# default ignore_index of CrossEntropyLoss skips.
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, DataCollatorForSeq2Seq

tokenizer = AutoTokenizer.from_pretrained("t5-small")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
collator = DataCollatorForSeq2Seq(tokenizer, model=model)
criterion = torch.nn.CrossEntropyLoss(reduction="none")
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)


def train(loader):
    for batch in loader:
        logits = model(input_ids=batch["input_ids"], decoder_input_ids=batch["decoder_input_ids"]).logits
        per_token = criterion(logits.view(-1, logits.size(-1)), batch["labels"].view(-1))
        loss = per_token.mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
