# expect: nothing
# A Hugging Face causal LM's own loss is a mean over the label tokens: plain SGD on it does not
# grow with the batch size, and there is no accumulation to divide by.
import torch
from transformers import GPT2LMHeadModel

lm = GPT2LMHeadModel.from_pretrained("gpt2")
sgd = torch.optim.SGD(lm.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)

for batch in batches:
    result = lm(input_ids=batch, labels=batch)
    result.loss.backward()
    sgd.step()
    sgd.zero_grad()
