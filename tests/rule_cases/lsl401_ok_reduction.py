# expect: nothing
import torch.nn as nn
from mylib import size_average

criterion = nn.MSELoss(reduction="sum")
other = size_average(reduce=False)
