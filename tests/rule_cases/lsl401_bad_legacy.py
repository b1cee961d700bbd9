# expect: LSL401@4, LSL401@5
import torch.nn as nn

criterion = nn.MSELoss(size_average=False)
per_sample = nn.NLLLoss(reduce=False)
