"""Workloads written the usual way with ``nn``, ``optim`` and ``nn.functional``.

W7: one training step of a small GPT-style character model (the makemore/nanoGPT shape):
vocab 27, context 16, token and position embeddings, 2 blocks of 4-head causal self-attention
written with matmul + masked_fill + softmax, LayerNorm, GELU MLP, width 64, batch 32,
cross-entropy, AdamW. Both libraries build the model after ``manual_seed(0)``, so they start from
the same weights (tapegrad draws torch's numbers) and their gradients are compared directly.

W2n: W2's MLP step written with ``nn.Linear``, ``nn.CrossEntropyLoss`` and ``optim.SGD``.
"""
from __future__ import annotations

import math
from types import ModuleType
from typing import Any, Callable

import numpy as np

from workloads import W2_BATCH, W2_LR, W2_SIZES, to_numpy, w2_data

Step = Callable[[], None]
GradFn = Callable[[], list]

GPT_VOCAB, GPT_CONTEXT, GPT_WIDTH, GPT_HEADS, GPT_BLOCKS, GPT_BATCH = 27, 16, 64, 4, 2, 32


def gpt_model(T: ModuleType) -> Any:
    """The model class, defined against ``T.nn`` (torch or tapegrad)."""
    nn, F = T.nn, T.nn.functional
    width, heads, context = GPT_WIDTH, GPT_HEADS, GPT_CONTEXT

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
            self.register_buffer("mask", T.tril(T.ones(context, context))
                                 .view(1, 1, context, context))

        def forward(self, x: Any) -> Any:
            batch, length, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(width, dim=2)
            q, k, v = (t.view(batch, length, heads, width // heads).transpose(1, 2)
                       for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(width // heads))
            att = att.masked_fill(self.mask[:, :, :length, :length] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(batch, length, width)
            x = x + self.proj(y)
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(GPT_VOCAB, width)
            self.pos = nn.Embedding(context, width)
            self.blocks = nn.Sequential(*[Block() for _ in range(GPT_BLOCKS)])
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, GPT_VOCAB)

        def forward(self, idx: Any) -> Any:
            x = self.tok(idx) + self.pos(T.arange(idx.shape[1]))
            return self.head(self.ln_f(self.blocks(x)))

    return GPT


def gpt_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    text = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_CONTEXT + 1))
    return text[:, :-1], text[:, 1:]


def w7_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    xs, ys = gpt_data()
    x, y = T.tensor(xs), T.tensor(ys)
    F = T.nn.functional

    def fresh() -> tuple[Any, Any]:
        T.manual_seed(0)
        model = gpt_model(T)()
        return model, T.optim.AdamW(model.parameters(), lr=1e-3)

    def loss_of(model: Any) -> Any:
        logits = model(x)
        return F.cross_entropy(logits.view(-1, GPT_VOCAB), y.view(-1))

    model, optimizer = fresh()

    def step() -> None:
        optimizer.zero_grad()
        loss_of(model).backward()
        optimizer.step()

    def grads() -> list:
        m, _ = fresh()
        loss_of(m).backward()
        return [to_numpy(p.grad) for p in m.parameters()]

    return step, grads


def w2n_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    init, xn, yn = w2_data()
    x, y = T.tensor(xn), T.tensor(yn)
    nn = T.nn

    def make_model() -> Any:
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(W2_SIZES[:-1], W2_SIZES[1:])):
            linear = nn.Linear(fan_in, fan_out)
            with T.no_grad():  # W2's weights, stored (out, in) as nn.Linear keeps them
                linear.weight.copy_(T.tensor(init[2 * i].T.copy()))
                linear.bias.copy_(T.tensor(init[2 * i + 1]))
            layers += [linear, nn.ReLU()]
        return nn.Sequential(*layers[:-1])

    model, loss_fn = make_model(), nn.CrossEntropyLoss()
    optimizer = T.optim.SGD(model.parameters(), lr=W2_LR)

    def step() -> None:
        loss_fn(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad()

    def grads() -> list:
        fresh = make_model()
        loss_fn(fresh(x), y).backward()
        out = []
        for p in fresh.parameters():  # back to W2's (in, out) layout for the floor
            g = to_numpy(p.grad)
            out.append(g.T if g.ndim == 2 else g)
        return out

    return step, grads


assert W2_BATCH and W2_LR  # W2n shares W2's data, sizes and learning rate


# W8: LeNet-5 as in D2L 7.6 (two 5x5 convolutions with average pooling, sigmoid, three Linear
# layers), batch 64 of 1x28x28 float32, cross-entropy, SGD; gradients checked against torch's.
def lenet(T: ModuleType) -> Any:
    nn = T.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def w8_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    rng = np.random.default_rng(8)
    x = T.tensor(rng.random((64, 1, 28, 28), dtype=np.float32))
    y = T.tensor(rng.integers(0, 10, 64))
    F = T.nn.functional

    def fresh() -> Any:
        T.manual_seed(0)
        return lenet(T)

    model = fresh()
    optimizer = T.optim.SGD(model.parameters(), lr=0.1)

    def step() -> None:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    def grads() -> list:
        m = fresh()
        F.cross_entropy(m(x), y).backward()
        return [to_numpy(p.grad) for p in m.parameters()]

    return step, grads
