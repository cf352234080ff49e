# An LSTM language-model training step: Embedding -> LSTM(2 layers, batch_first) -> Linear.
import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)
vocab, emb, hidden = 11, 6, 8


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, dropout=0.25)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.embed(tokens), state)
        return self.head(out), state


model = LM()
print(model)
print([(n, tuple(p.shape)) for n, p in model.named_parameters()])
opt = torch.optim.SGD(model.parameters(), lr=0.5)
tokens = torch.randint(0, vocab, (3, 7))
state = None
for step in range(3):
    logits, state = model(tokens[:, :-1], state)
    state = tuple(s.detach() for s in state)
    loss = F.cross_entropy(logits.reshape(-1, vocab), tokens[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    print(step, round(loss.item(), 5), state[0].shape, state[1].shape)
    print(model.rnn.weight_hh_l1.grad[:2, :4])
    print(model.rnn.bias_ih_l0.grad[:5])
    print(model.embed.weight.grad[tokens[0, 0]])
    opt.step()
model.eval()
with torch.no_grad():
    logits, (h, c) = model(tokens[:1])
print(logits.argmax(-1))
print(h.sum(), c.sum())
print(model.rnn.state_dict().keys())
