"""data_shader.py — exercise 12's data: ReLU backward by PyTorch.

Contract: relu_case draws x (with exact zeros and both signs) and dy of n values with
golden_io.rng(seed) and stores dx = dL/dx of y = relu(x) for L = Σ dy ⊙ y, from autograd
(PyTorch's rule: dx = dy where x > 0, else 0 — also at x = 0). Sizes include ones that are not a
multiple of 4 (the shader works on vec4s). The hidden data reuses relu_case.
"""
import numpy as np
import torch

from golden_io import rng, save


def relu_case(out, name, seed, n, scale=1.0, nan_at=()):
    g = rng(seed)
    x = (scale * g.standard_normal(n)).astype(np.float32)
    x[g.random(n) < 0.2] = 0.0  # exact zeros: the gradient there is 0
    for i in nan_at:
        x[i] = np.nan  # a NaN input passes dy through (NaN <= 0 is false)
    dy = g.standard_normal(n).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    (torch.relu(xt) * torch.tensor(dy)).sum().backward()
    save(out, f"{name}_x", x)
    save(out, f"{name}_dy", dy)
    save(out, f"{name}_dx", xt.grad.numpy())


def make(out):
    for n in (8, 7, 1, 333):
        relu_case(out, f"ex12/relu_{n}", 120 + n, n)
