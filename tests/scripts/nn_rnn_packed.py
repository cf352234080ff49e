# A bidirectional GRU over variable-length sequences packed with pack_padded_sequence.
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(1)
seqs = [torch.randn(n, 4) for n in (3, 5, 2)]
lengths = torch.tensor([3, 5, 2])
padded = pad_sequence(seqs, batch_first=True)
print(padded.shape)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
gru = nn.GRU(4, 3, num_layers=2, batch_first=True, bidirectional=True)
print(gru)
out, h = gru(packed)
unpacked, lens = pad_packed_sequence(out, batch_first=True)
print(unpacked.shape, lens)
print(unpacked[2])
print(h.shape)
print(h[-1])
loss = unpacked.pow(2).sum() + h.sum()
loss.backward()
print(gru.weight_hh_l1_reverse.grad[:2])
print(gru.bias_ih_l0.grad)
cell = nn.LSTMCell(4, 3)
hc = None
for x in seqs[1]:
    hc = cell(x.unsqueeze(0), hc)
print(hc[0], hc[1])
rnn = nn.RNN(4, 3, nonlinearity="relu")
o, hn = rnn(seqs[0])
print(o.shape, hn.shape, hn)
